"""The inbox (my tasks, team queue), landing pages per role and the Polish interface."""

import pytest
from django.urls import reverse

from accounts.models import Role
from case_flows import services
from case_flows.selectors import PAGE_SIZE
from tests.factories import category, make_person, make_user

from .conftest import allocate, open_task
from .test_views_tasks import client_for

# Queries per page, whatever the number of rows: session, user, office (time zone), user
# and group permissions, role groups, scope teams, both tab counts, page count, the rows,
# the rows' returned-for-revision decisions.
# A change here means a page started to query per row, or a fixed query was added: look
# before updating.
INBOX_MINE_QUERIES = 14
INBOX_QUEUE_QUERIES = 14


def open_cases(n, *, office, actor, risk="medium"):
    return [
        services.case_open(
            actor=actor,
            person=make_person(office, "Ama", f"Owusu{i}"),
            office=office,
            category=category(),
            risk=risk,
            source="walk_in",
            presenting_concerns="Concern",
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("rows", [3, 20])
def test_my_tasks_query_count_is_constant(
    rows, office, team, caseworker, supervisor, django_assert_num_queries
):
    for case in open_cases(rows, office=office, actor=caseworker):
        allocate(case, supervisor, caseworker)
    client = client_for(caseworker)
    with django_assert_num_queries(INBOX_MINE_QUERIES):
        response = client.get(reverse("inbox"))
    assert response.status_code == 200
    assert response.content.decode().count('data-label="Task">Complete intake') == rows


@pytest.mark.parametrize("rows", [3, 20])
def test_team_queue_query_count_is_constant(
    rows, office, team, caseworker, supervisor, django_assert_num_queries
):
    open_cases(rows, office=office, actor=caseworker)
    client = client_for(supervisor)
    with django_assert_num_queries(INBOX_QUEUE_QUERIES):
        response = client.get(reverse("inbox") + "?tab=queue")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-label="Task">Allocate case') == rows
    assert body.count(">Claim</button>") == rows


def test_tabs_show_counts_and_rows_link_to_the_case(office, team, caseworker, supervisor):
    cases = open_cases(2, office=office, actor=caseworker)
    allocate(cases[0], supervisor, caseworker)
    body = client_for(supervisor).get(reverse("inbox") + "?tab=queue").content.decode()
    assert 'Team queue <span class="count">1</span>' in body
    assert 'My tasks <span class="count">0</span>' in body
    assert reverse("case_detail", args=[cases[1].pk]) in body
    assert cases[1].person.family_name in body
    assert reverse("task_claim", args=[open_task(cases[1], "allocate").pk]) in body


def test_filters_by_risk(office, team, caseworker, supervisor):
    high = open_cases(1, office=office, actor=caseworker, risk="high")[0]
    low = open_cases(1, office=office, actor=caseworker, risk="low")[0]
    body = client_for(supervisor).get(reverse("inbox") + "?tab=queue&risk=high").content.decode()
    assert high.reference in body and low.reference not in body
    assert 'Team queue <span class="count">1</span>' in body


def test_inbox_paginates(office, team, caseworker, supervisor):
    open_cases(PAGE_SIZE + 2, office=office, actor=caseworker)
    client = client_for(supervisor)
    first = client.get(reverse("inbox") + "?tab=queue").content.decode()
    assert first.count(">Claim</button>") == PAGE_SIZE
    assert "Page 1 of 2" in first
    second = client.get(reverse("inbox") + "?tab=queue&page=2").content.decode()
    assert second.count(">Claim</button>") == 2


def test_empty_states(office, team, caseworker):
    client = client_for(caseworker)
    assert "You have no tasks right now." in client.get(reverse("inbox")).content.decode()
    queue = client.get(reverse("inbox") + "?tab=queue").content.decode()
    assert "The team queue is empty" in queue
    filtered = client.get(reverse("inbox") + "?risk=high").content.decode()
    assert "No tasks match these filters." in filtered


def test_inbox_has_a_due_column_for_deadlines(office, team, caseworker, supervisor):
    allocate(open_cases(1, office=office, actor=caseworker)[0], supervisor, caseworker)
    body = client_for(caseworker).get(reverse("inbox")).content.decode()
    assert 'class="due">' in body and "minute" in body


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.CASEWORKER, "inbox"),
        (Role.SUPERVISOR, "approvals"),
        (Role.MANAGER, "dashboard"),
        (Role.ADMINISTRATOR, "dashboard"),
    ],
)
def test_home_lands_by_role(role, landing, office):
    user = make_user(role, office)
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(landing)
    assert client_for(user).get(reverse(landing)).status_code == 200


def test_user_without_role_sees_the_home_page(office):
    user = make_user(None, office)
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    assert "No role assigned" in response.content.decode()


def test_nav_links_follow_permissions(office, team, caseworker, supervisor):
    body = client_for(caseworker).get(reverse("inbox")).content.decode()
    assert f'href="{reverse("case_new")}"' in body
    assert f'href="{reverse("approvals")}"' not in body
    body = client_for(supervisor).get(reverse("inbox")).content.decode()
    assert f'href="{reverse("approvals")}"' in body
    manager = make_user(Role.MANAGER, office)
    body = client_for(manager).get(reverse("case_list")).content.decode()
    assert f'href="{reverse("approvals")}"' in body
    assert f'href="{reverse("case_new")}"' not in body


def test_inbox_in_polish(office, team):
    user = make_user(Role.CASEWORKER, office, team, preferred_language="pl")
    response = client_for(user).get(reverse("inbox"))
    assert response.status_code == 200
    assert 'lang="pl"' in response.content.decode()


def test_inbox_requires_login(client, db):
    response = client.get(reverse("inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_huge_queue_count_stops_at_the_cap(monkeypatch, office, team, caseworker, supervisor):
    from case_flows import selectors

    monkeypatch.setattr(selectors, "QUEUE_COUNT_CAP", 2)
    open_cases(3, office=office, actor=caseworker)
    counts = selectors.inbox_counts(supervisor)
    assert counts == {"mine": 0, "queue": 2, "queue_more": True}
    body = client_for(supervisor).get(reverse("inbox") + "?tab=queue").content.decode()
    assert '<span class="count">2+</span>' in body
    # Paging stops at the cap too (narrow with the filters to see the rest).
    assert body.count('data-label="Task">Allocate case') == 2


def test_queue_holds_only_the_users_scope(office, other_office, team, caseworker, supervisor):
    from accounts.models import Role
    from case_flows import selectors
    from tests.factories import make_team, make_user

    polish_team = make_team(other_office, name="Zespół")
    polish_supervisor = make_user(Role.SUPERVISOR, other_office, username="koord")
    polish_team.supervisor = polish_supervisor
    polish_team.save()
    polish_worker = make_user(Role.CASEWORKER, other_office, polish_team, username="prac")
    open_cases(2, office=office, actor=caseworker)
    open_cases(1, office=other_office, actor=polish_worker)
    assert selectors.inbox_counts(supervisor)["queue"] == 2
    assert selectors.inbox_counts(polish_supervisor)["queue"] == 1
    assert selectors.inbox_counts(caseworker)["queue"] == 0  # allocation is supervisors' work
