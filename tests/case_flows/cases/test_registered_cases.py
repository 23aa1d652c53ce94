"""The caseworker who registers a case finds it (list, search, its page), marked "awaiting
allocation", until a supervisor allocates it; they may read it, not work on it."""

import pytest
from django.urls import reverse

import case_flows.cases.selectors as case_selectors
from accounts.models import Role
from accounts.scope import can_see
from case_flows.models import Case, CaseEvent, EventKind
from tests.case_flows.work.test_views_tasks import client_for, register_data
from tests.factories import make_office, make_team, make_user
from tests.html_tree import parse
from tests.steps import allocate

from .test_views_case import CASE_LIST_QUERIES


def register(user, **overrides) -> Case:
    response = client_for(user).post(reverse("case_new"), register_data(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Case.objects.filter(created_by=user).latest("pk")


def list_rows(client, query=""):
    page = parse(client.get(reverse("case_list"), {"q": query} if query else {}).content.decode())
    body = page.find("tbody")
    return {row.find("a").text: row.text for row in body.find_all("tr")} if body else {}


def test_registering_user_finds_the_unallocated_case_marked(office, team, caseworker):
    case = register(caseworker)
    assert case.team is None and case.owner is None
    assert case.created_by == caseworker  # who registered it is recorded on the case
    opened = CaseEvent.objects.get(case=case, kind=EventKind.OPENED)
    assert opened.actor == caseworker
    client = client_for(caseworker)
    rows = list_rows(client)
    assert case.reference in rows and "Awaiting allocation" in rows[case.reference]
    rows = list_rows(client, "Zolkiewski")  # search by the client's name
    assert case.reference in rows and "Awaiting allocation" in rows[case.reference]
    assert case.reference in list_rows(client, case.reference)


def test_registering_user_lands_on_a_read_only_case_page(office, team, caseworker):
    client = client_for(caseworker)
    response = client.post(reverse("case_new"), register_data())
    case = Case.objects.get()
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    response = client.get(response["Location"])
    assert response.status_code == 200
    body = response.content.decode()
    assert "a supervisor will allocate it" in body and "Awaiting allocation" in body
    # Reading only: no action on the page, and the action URLs refuse.
    for name in ("case_risk", "case_relative_add", "case_transfer", "case_referrals"):
        assert reverse(name, args=[case.pk]) not in body, name
    risk = client.post(reverse("case_risk", args=[case.pk]), {"risk": "high", "comment": "x"})
    assert risk.status_code == 404
    relative = client.post(
        reverse("case_relative_add", args=[case.pk]),
        {"given_name": "Esi", "family_name": "Mensah", "relationship": "parent", "sex": "female"},
    )
    assert relative.status_code == 404
    assert client.get(reverse("case_referrals", args=[case.pk])).status_code == 404
    case.refresh_from_db()
    assert case.risk == "medium" and not case.person.relations.exists()
    # Work rights stay with the scope: the registering caseworker is outside it.
    assert not can_see(
        caseworker, office_id=case.office_id, team_id=case.team_id, owner_id=case.owner_id
    )
    assert case_selectors.case_for_user(caseworker, case.pk) is None
    assert case_selectors.case_for_user(caseworker, case.pk, to_read=True).read_only


def test_only_the_registering_user_and_only_until_allocation(office, team, caseworker, supervisor):
    case = register(caseworker)
    colleague = make_user(Role.CASEWORKER, office, team)
    assert case.reference not in list_rows(client_for(colleague))
    assert client_for(colleague).get(reverse("case_detail", args=[case.pk])).status_code == 404
    # Allocated to someone in another team: the scope decides again, and it excludes them.
    other_team = make_team(office, supervisor=supervisor)
    other = make_user(Role.CASEWORKER, office, other_team)
    allocate(case, supervisor, other)
    assert case.reference not in list_rows(client_for(caseworker))
    assert client_for(caseworker).get(reverse("case_detail", args=[case.pk])).status_code == 404


def test_allocated_to_the_registering_user_is_their_work(office, team, caseworker, supervisor):
    case = register(caseworker)
    allocate(case, supervisor, caseworker)
    rows = list_rows(client_for(caseworker))
    assert "Awaiting allocation" not in rows[case.reference]
    body = client_for(caseworker).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Awaiting allocation" not in body
    assert reverse("case_risk", args=[case.pk]) in body


def test_not_after_moving_to_another_office(office, team, caseworker):
    case = register(caseworker)
    Case.objects.filter(pk=case.pk).update(office=make_office("FAR"))
    assert case.reference not in list_rows(client_for(caseworker))


@pytest.mark.parametrize("rows", [3, 20])
def test_case_list_query_count_with_registered_cases(
    rows, office, team, caseworker, django_assert_num_queries
):
    for i in range(rows):
        register(caseworker, family_name=f"Owusu{i}")
    client = client_for(caseworker)
    with django_assert_num_queries(CASE_LIST_QUERIES):
        response = client.get(reverse("case_list"))
    assert response.content.decode().count("Awaiting allocation") == rows
    with django_assert_num_queries(CASE_LIST_QUERIES):
        response = client.get(reverse("case_list") + "?q=owusu")
    assert response.content.decode().count("Awaiting allocation") == rows


@pytest.mark.parametrize("role", ["national", "admin"])
def test_unrestricted_users_still_find_and_open_every_case(role, new_case, office):
    # Widening the scope (registered or assigned cases) must not narrow an unrestricted one.
    user = (
        make_user(Role.MANAGER, office, is_national=True)
        if role == "national"
        else make_user(Role.ADMINISTRATOR, None)
    )
    client = client_for(user)
    assert new_case.reference in list_rows(client)
    assert new_case.reference in list_rows(client, "Mensah")
    assert client.get(reverse("case_detail", args=[new_case.pk])).status_code == 200
    assert case_selectors.case_for_user(user, new_case.pk) == new_case


def test_an_unrestricted_user_opens_any_task(new_case, office, client):
    """A national manager (or an administrator) may open every case's tasks, not only the
    ones given to them (an empty scope OR-ed with "their own" was their own alone)."""
    from accounts.models import User
    from case_flows.work.selectors import task_for_user
    from tests.steps import open_task

    admin = User.objects.create_superuser("root", "root@example.org", "x")
    task = open_task(new_case, "allocate")
    assert task_for_user(admin, task.pk) == task


def test_the_same_form_sent_twice_opens_one_case(office, team, caseworker):
    client = client_for(caseworker)
    page = client.get(reverse("case_new") + "?new=1").content.decode()
    token = page.split('name="submission" value="')[1].split('"')[0]
    data = register_data(submission=token)
    first = client.post(reverse("case_new"), data)
    again = client.post(reverse("case_new"), data)  # a replay, a second tab
    assert Case.objects.count() == 1
    case = Case.objects.get()
    assert first.url == again.url == reverse("case_detail", args=[case.pk])
    shown = client.get(again.url).content.decode()
    assert "This form was sent already" in shown


def test_another_offices_administrator_neither_finds_nor_opens_the_case(new_case, other_office):
    admin = make_user(Role.ADMINISTRATOR, other_office)
    client = client_for(admin)
    assert new_case.reference not in list_rows(client, "Mensah")
    assert client.get(reverse("case_detail", args=[new_case.pk])).status_code == 404
    assert case_selectors.case_for_user(admin, new_case.pk) is None
