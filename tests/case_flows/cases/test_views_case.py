"""The case page, case search and list, registering a case, reopening and risk changes."""

import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

import case_flows.cases.services as case_services
from accounts.models import Role
from case_flows.models import Case, CaseEvent, EventKind, Stage
from tests.case_flows.work.test_views_tasks import client_for, register_data
from tests.factories import category, make_office, make_person, make_team, make_user
from tests.steps import allocate, close_case, complete_intake, open_task, submit_assessment

# Fixed queries of the case page: session, user, office, permissions (user, groups), role
# groups, scope teams, the case, open tasks, the stage records (assessment, plan + goals +
# actions, referrals, follow-ups, closure), the timeline, the access-log row (one INSERT) and
# the client's current household membership (the household section) and the case's
# attachments (one query, uploader and person joined: the attachments section) and its
# decisions (one query: the decisions section).
CASE_PAGE_QUERIES = 22
# Session, user, office, permissions (user, groups), role groups, scope teams, the count
# (capped at SEARCH_CAP), one page of cases, the access-log row.
CASE_LIST_QUERIES = 11


def change_risk_times(case, actor, n):
    risks = ["high", "low"]
    for i in range(n):
        case_services.case_change_risk(
            case=Case.objects.get(pk=case.pk), actor=actor, risk=risks[i % 2], comment=f"#{i}"
        )


@pytest.mark.parametrize("extra_events", [3, 28])
def test_case_page_query_count_is_constant(
    extra_events, new_case, supervisor, caseworker, django_assert_num_queries
):
    allocate(new_case, supervisor, caseworker)
    change_risk_times(new_case, caseworker, extra_events)
    events = CaseEvent.objects.filter(case=new_case).count()
    assert events == extra_events + 2  # opened, allocated: 5 and 30 events
    client = client_for(caseworker)
    with django_assert_num_queries(CASE_PAGE_QUERIES):
        response = client.get(reverse("case_detail", args=[new_case.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("<time datetime=") == events


def test_case_page_shows_header_tasks_records_and_timeline(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    body = client_for(caseworker).get(reverse("case_detail", args=[new_case.pk])).content.decode()
    assert new_case.reference in body and "Kwame Mensah" in body
    assert "Akosua" in body and "Child welfare" in body and "Bekwai" in body
    assert "Supportive grandmother" in body  # latest assessment
    assert "Approve assessment" in body  # the open task
    assert "Submitted for approval" in body and "Case opened" in body  # timeline
    assert 'id="deadlines"' not in body  # the block is empty until the SLA work fills it
    # The caseworker may not claim the approval task; the supervisor may.
    task = open_task(new_case, "approve_assessment")
    assert reverse("task_claim", args=[task.pk]) not in body
    body = client_for(supervisor).get(reverse("case_detail", args=[new_case.pk])).content.decode()
    assert reverse("task_claim", args=[task.pk]) in body


def test_timeline_is_newest_first_in_office_time(new_case, supervisor, caseworker, office):
    allocate(new_case, supervisor, caseworker)
    office.timezone = "Europe/Warsaw"
    office.save()
    caseworker.refresh_from_db()
    body = client_for(caseworker).get(reverse("case_detail", args=[new_case.pk])).content.decode()
    assert body.index("Allocated to") < body.index("Case opened")
    opened = CaseEvent.objects.get(case=new_case, kind=EventKind.OPENED).created_at
    local = timezone.localtime(opened, zoneinfo.ZoneInfo("Europe/Warsaw"))
    assert local.isoformat()[:19] in body


def test_case_outside_scope_is_404(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    far_office = make_office("FAR")
    outsider = make_user(Role.CASEWORKER, far_office, make_team(far_office))
    client = client_for(outsider)
    assert client.get(reverse("case_detail", args=[new_case.pk])).status_code == 404
    response = client.post(
        reverse("case_risk", args=[new_case.pk]), {"risk": "high", "comment": "x"}
    )
    assert response.status_code == 404
    response = client.post(reverse("case_reopen", args=[new_case.pk]), {"comment": "x"})
    assert response.status_code == 404


def test_change_risk(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    client = client_for(caseworker)
    url = reverse("case_risk", args=[new_case.pk])
    response = client.post(url, {"risk": "high", "comment": ""})
    assert response.status_code == 200
    new_case.refresh_from_db()
    assert new_case.risk == "medium"
    response = client.post(url, {"risk": "high", "comment": "Violence at home"})
    assert response.status_code == 302
    new_case.refresh_from_db()
    assert new_case.risk == "high"
    event = CaseEvent.objects.get(case=new_case, kind=EventKind.RISK_CHANGED)
    assert event.comment == "Violence at home" and event.actor == caseworker


def test_reopen_only_closed_and_only_with_permission(new_case, supervisor, caseworker):
    url = reverse("case_reopen", args=[new_case.pk])
    # An open case: the service refuses, the page says so with 409.
    response = client_for(supervisor).post(url, {"comment": "Try"})
    assert response.status_code == 409
    assert "already open" in response.content.decode()

    close_case(new_case, supervisor, caseworker)
    page = client_for(caseworker).get(reverse("case_detail", args=[new_case.pk])).content.decode()
    assert url not in page  # a caseworker may not reopen
    assert reverse("case_risk", args=[new_case.pk]) not in page  # closed: no risk change
    assert client_for(caseworker).post(url, {"comment": "Back"}).status_code == 403

    page = client_for(supervisor).get(reverse("case_detail", args=[new_case.pk])).content.decode()
    assert url in page
    assert client_for(supervisor).post(url, {"comment": ""}).status_code == 200
    new_case.refresh_from_db()
    assert new_case.stage == Stage.CLOSED
    response = client_for(supervisor).post(url, {"comment": "The family came back"})
    assert response.status_code == 302
    new_case.refresh_from_db()
    assert new_case.stage == Stage.ASSESSMENT and new_case.episode == 2


@pytest.mark.parametrize("rows", [3, 20])
def test_case_list_query_count_is_constant(
    rows, office, team, caseworker, supervisor, django_assert_num_queries
):
    for i in range(rows):
        case_services.case_open(
            actor=supervisor,
            person=make_person(office, "Ama", f"Owusu{i}"),
            office=office,
            category=category(),
            risk="low",
            source="walk_in",
            presenting_concerns="Concern",
        )
    client = client_for(supervisor)
    with django_assert_num_queries(CASE_LIST_QUERIES):
        response = client.get(reverse("case_list"))
    assert response.content.decode().count('data-label="Reference"><a') == rows
    with django_assert_num_queries(CASE_LIST_QUERIES):
        response = client.get(reverse("case_list") + "?q=owusu")
    assert response.content.decode().count('data-label="Reference"><a') == rows


def test_search_is_accent_insensitive_and_scoped(office, team, caseworker, supervisor):
    def open_for(office, actor, family, phone=""):
        return case_services.case_open(
            actor=actor,
            person=make_person(office, "Jan", family, phone=phone),
            office=office,
            category=category(),
            risk="low",
            source="walk_in",
            presenting_concerns="Concern",
            team=actor.teams.first(),
        )

    ours = open_for(office, caseworker, "Żółkiewski", phone="+48 601 222 333")
    other = make_office("WAW", jurisdiction="PL", timezone="Europe/Warsaw")
    far_worker = make_user(Role.CASEWORKER, other, make_team(other))
    theirs = open_for(other, far_worker, "Żółkiewski")
    open_for(office, caseworker, "Mensah")

    client = client_for(caseworker)
    body = client.get(reverse("case_list") + "?q=Zolkiewski").content.decode()
    assert ours.reference in body and theirs.reference not in body
    assert "Mensah" not in body
    assert ours.reference in client.get(reverse("case_list") + "?q=601222333").content.decode()
    # every word of the name, in any order, any case and accents
    for query in ("zolkiewski jan", "Jan Żółkiewski", "JAN+zolk"):
        body = client.get(reverse("case_list") + f"?q={query}").content.decode()
        assert ours.reference in body and "Mensah" not in body, query
    body = client.get(reverse("case_list") + "?q=jan+mensahh").content.decode()
    assert ours.reference not in body
    assert (
        ours.reference in client.get(reverse("case_list") + f"?q={ours.reference}").content.decode()
    )
    body = client.get(reverse("case_list") + "?q=nobody-like-this").content.decode()
    assert "No case matches" in body


def test_register_with_a_team_lands_on_the_case(office, team, caseworker):
    response = client_for(caseworker).post(reverse("case_new"), register_data(team=team.pk))
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    assert case.team == team and case.created_by == caseworker
    assert open_task(case, "allocate").owner is None  # a supervisor still allocates
    assert case.intake.consent_to_share is True and case.intake.immediate_safety == "at_risk"


def test_register_form_shows_for_caseworkers(office, team, caseworker):
    response = client_for(caseworker).get(reverse("case_new") + "?new=1")
    assert response.status_code == 200
    assert 'name="presenting_concerns"' in response.content.decode()


def test_add_a_caregiver_to_a_childs_household(client, new_case, caseworker, supervisor):
    from case_flows.models import PersonRelation

    allocate(new_case, supervisor, caseworker)
    client.force_login(caseworker)
    url = reverse("case_relative_add", args=[new_case.pk])
    # Bad input: a clear error and nothing changes.
    response = client.post(url, {"given_name": "", "family_name": "Mensah", "relationship": "x"})
    assert response.status_code == 400
    assert not PersonRelation.objects.exists()
    response = client.post(
        url,
        {
            "given_name": "Adwoa",
            "family_name": "Mensah",
            "relationship": "grandparent",
            "sex": "female",
            "is_primary_caregiver": "on",
            "same_household": "on",
        },
    )
    assert response.status_code == 302
    relation = PersonRelation.objects.get(person=new_case.person)
    assert relation.relative.given_name == "Adwoa" and relation.is_primary_caregiver
    page = client.get(reverse("case_detail", args=[new_case.pk])).content.decode()
    assert "Adwoa Mensah" in page and "Grandparent" in page
    assert CaseEvent.objects.filter(case=new_case, kind=EventKind.RECORD).exists()


def test_relatives_cannot_be_added_outside_scope(client, new_case, other_office):
    from case_flows.models import PersonRelation

    outsider = make_user(Role.CASEWORKER, other_office, make_team(other_office, name="Poza"))
    client.force_login(outsider)
    response = client.post(
        reverse("case_relative_add", args=[new_case.pk]),
        {"given_name": "A", "family_name": "B", "relationship": "parent", "sex": "unknown"},
    )
    assert response.status_code == 404
    assert not PersonRelation.objects.exists()
