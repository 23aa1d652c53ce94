"""The approvals page and the approval detail: decide, return, withdraw, conflicts."""

import pytest
from django.urls import reverse

import case_flows.cases.services as case_services
from accounts.models import Role
from case_flows.models import Stage
from tests.factories import category, make_office, make_person, make_team, make_user
from tests.steps import allocate, complete_intake, open_task, submit_assessment, submit_plan
from workflows.approvals.models import Approval, ApprovalStatus

from .test_views_tasks import client_for

# Session, user, office, permissions (user, groups), role groups, scope teams, the page
# count, the approvals (with requester and task owner), the cases behind them (one query),
# the pending erasure requests (with case, person and requester: one query).
APPROVALS_PAGE_QUERIES = 12


def pending_assessment(office, supervisor, caseworker, family="Mensah"):
    case = case_services.case_open(
        actor=caseworker,
        person=make_person(office, "Kwame", family),
        office=office,
        category=category(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Concern",
    )
    allocate(case, supervisor, caseworker)
    complete_intake(case, caseworker)
    submit_assessment(case, caseworker)
    return case


def approval_url(case, node="approve_assessment"):
    return reverse("approval_detail", args=[open_task(case, node).approval.pk])


@pytest.mark.parametrize("rows", [3, 15])
def test_approvals_page_query_count_is_constant(
    rows, office, team, supervisor, caseworker, django_assert_num_queries
):
    cases = [pending_assessment(office, supervisor, caseworker, f"Family{i}") for i in range(rows)]
    client = client_for(supervisor)
    with django_assert_num_queries(APPROVALS_PAGE_QUERIES):
        response = client.get(reverse("approvals"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count(">Review</a>") == rows
    # Oldest first.
    assert body.index(cases[0].reference) < body.index(cases[-1].reference)


def test_approvals_page_rows(office, team, supervisor, caseworker):
    case = pending_assessment(office, supervisor, caseworker)
    body = client_for(supervisor).get(reverse("approvals")).content.decode()
    assert case.reference in body and "Kwame Mensah" in body
    assert "Assessment" in body and "Akosua" in body
    assert '<span class="badge high">High</span>' in body  # risk decided at assessment
    assert "minute" in body  # how long it has waited
    assert approval_url(case) in body


def test_approvals_page_is_for_deciders(office, team, caseworker):
    assert client_for(caseworker).get(reverse("approvals")).status_code == 403
    empty = client_for(make_user(Role.SUPERVISOR, office)).get(reverse("approvals"))
    assert "Nothing waits for your decision" in empty.content.decode()


def test_detail_shows_the_record_case_and_timeline(office, team, supervisor, caseworker):
    case = pending_assessment(office, supervisor, caseworker)
    body = client_for(supervisor).get(approval_url(case)).content.decode()
    assert "Supportive grandmother" in body  # the submitted assessment
    assert "Education" in body  # a need domain
    assert "Submitted for approval" in body  # recent timeline
    assert 'value="approve"' in body and 'value="return"' in body
    assert "Withdraw" not in body


def test_plan_detail_shows_goals_and_actions(office, team, supervisor, caseworker):
    from tests.steps import approve

    case = pending_assessment(office, supervisor, caseworker)
    approve(case, "approve_assessment", supervisor)
    submit_plan(case, caseworker)
    body = client_for(supervisor).get(approval_url(case, "approve_plan")).content.decode()
    assert "Back in school" in body and "Enrol at the district school" in body


def test_return_needs_a_comment(office, team, supervisor, caseworker):
    case = pending_assessment(office, supervisor, caseworker)
    url = approval_url(case)
    client = client_for(supervisor)
    response = client.post(url, {"decision": "return", "comment": "  "})
    assert response.status_code == 200
    assert "a comment is required to return work" in response.content.decode()
    assert Approval.objects.get().status == ApprovalStatus.PENDING
    response = client.post(url, {"decision": "return", "comment": "Ask the school"})
    assert response.status_code == 302
    approval = Approval.objects.get()
    assert approval.status == ApprovalStatus.RETURNED and approval.comment == "Ask the school"
    case.refresh_from_db()
    assert case.stage == Stage.ASSESSMENT
    assert open_task(case, "assess").owner == caseworker


def test_double_decision_is_a_409(office, team, supervisor, caseworker):
    second = make_user(Role.SUPERVISOR, office, team, username="sup2")
    case = pending_assessment(office, supervisor, caseworker)
    url = approval_url(case)
    page = client_for(second).get(url)  # both supervisors open the page
    assert page.status_code == 200
    assert client_for(supervisor).post(url, {"decision": "approve"}).status_code == 302
    response = client_for(second).post(url, {"decision": "return", "comment": "No"})
    assert response.status_code == 409
    assert "sup already decided this request (approved)" in response.content.decode()
    case.refresh_from_db()
    assert case.stage == Stage.PLANNING
    assert Approval.objects.get().decided_by == supervisor


def test_self_approval_is_a_403(office, team, supervisor):
    case = pending_assessment(office, supervisor, supervisor)
    url = approval_url(case)
    client = client_for(supervisor)
    page = client.get(url).content.decode()
    assert 'value="approve"' not in page and "Withdraw" in page
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 403
    assert "You cannot approve your own request." in response.content.decode()
    assert Approval.objects.get().status == ApprovalStatus.PENDING
    case.refresh_from_db()
    assert case.stage == Stage.ASSESSMENT


def test_requester_withdraws(office, team, supervisor, caseworker):
    case = pending_assessment(office, supervisor, caseworker)
    url = approval_url(case)
    client = client_for(caseworker)
    assert "Withdraw" in client.get(url).content.decode()
    response = client.post(url, {"action": "withdraw", "comment": "Forgot the school report"})
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    assert Approval.objects.get().status == ApprovalStatus.WITHDRAWN
    assert open_task(case, "assess").owner == caseworker
    # Withdrawing again: the request is no longer pending.
    response = client.post(url, {"action": "withdraw"})
    assert response.status_code == 409


def test_approval_task_page_redirects_to_the_detail(office, team, supervisor, caseworker):
    case = pending_assessment(office, supervisor, caseworker)
    response = client_for(supervisor).get(
        reverse("task", args=[open_task(case, "approve_assessment").pk])
    )
    assert response.status_code == 302
    assert response["Location"] == approval_url(case)


def test_approval_outside_scope_is_404(office, team, supervisor, caseworker):
    case = pending_assessment(office, supervisor, caseworker)
    far_office = make_office("FAR")
    outsider = make_user(Role.SUPERVISOR, far_office, make_team(far_office))
    client = client_for(outsider)
    url = approval_url(case)
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": "approve"}).status_code == 404
    assert Approval.objects.get().status == ApprovalStatus.PENDING


def test_deputy_from_another_team_decides_through_the_pages(
    client, office, team, supervisor, caseworker, new_case
):
    import datetime

    from django.utils import timezone as tz

    from accounts.models import Role
    from tests.factories import make_team, make_user
    from workflows.approvals.models import ApprovalStatus, SupervisorAbsence

    deputy = make_user(Role.SUPERVISOR, office, username="deputy-x")
    make_team(office, supervisor=deputy, name="Elder care")  # not the case's team
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    today = tz.localdate()
    SupervisorAbsence.objects.create(
        supervisor=supervisor,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=2),
        deputy=deputy,
    )
    submit_assessment(new_case, caseworker)
    approval = open_task(new_case, "approve_assessment").approval
    client.force_login(deputy)
    listing = client.get(reverse("approvals")).content.decode()
    assert new_case.reference in listing
    assert client.get(reverse("case_detail", args=[new_case.pk])).status_code == 200
    response = client.post(
        reverse("approval_detail", args=[approval.pk]), {"decision": "approve", "comment": ""}
    )
    assert response.status_code == 302
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.APPROVED and approval.decided_by == deputy


def test_manager_reassigns_an_approval_from_its_page(
    client, office, team, supervisor, caseworker, manager, new_case
):
    from accounts.models import Role
    from tests.factories import make_user

    other = make_user(Role.SUPERVISOR, office, team, username="sup-other")
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    approval = open_task(new_case, "approve_assessment").approval
    client.force_login(manager)
    page = client.get(reverse("approval_detail", args=[approval.pk])).content.decode()
    assert reverse("task_reassign", args=[approval.task_id]) in page
    client.post(reverse("task_reassign", args=[approval.task_id]), {"to_user": other.pk})
    approval.task.refresh_from_db()
    assert approval.task.owner == other


def test_a_return_without_a_comment_is_summarised_at_the_top(
    client, new_case, supervisor, caseworker
):
    """The error is announced: a summary at the top (role=alert) linking to the comment field."""
    from tests.steps import allocate, complete_intake, open_task, submit_assessment

    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    approval = open_task(new_case, "approve_assessment").approval
    client.force_login(supervisor)
    response = client.post(
        reverse("approval_detail", args=[approval.pk]), {"decision": "return", "comment": ""}
    )
    body = response.content.decode()
    assert 'class="error-summary"' in body and 'href="#id_comment"' in body
