"""Races over real HTTP: many people (threads, each with their own session) press the same
button at the same moment against a live, threaded server on PostgreSQL. Exactly one wins;
the others get a 409 page with a message; nobody gets a 500; and the database holds no
duplicate decision, task, deadline or notification."""

import pytest
from django.db.models import Count
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Role
from case_flows.models import NEED_DOMAINS, Assessment, CaseEvent
from case_flows.transfers import services as transfers
from notifications.models import Notification
from tests.case_flows.test_races import race
from tests.factories import make_team, make_user
from tests.steps import allocate, complete_intake, open_task, submit_assessment
from workflows.approvals.models import Approval, ApprovalStatus
from workflows.queue import task_release
from workflows.sla.models import SlaClock
from workflows.sla.seed import seed_sla_policies

from .conftest import message_of, report

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def policies(db):
    seed_sla_policies()


def _report(name, results):
    statuses = {}
    for status, _body in results:
        statuses[status] = statuses.get(status, 0) + 1
    messages = sorted({message_of(body) for status, body in results if status == 409})
    report(f"\n{name}: {len(results)} requests -> {statuses}; 409 says {messages}")
    return statuses


def _no_duplicates():
    """No open task twice on one node of one process, no two running clocks for one task,
    no notification twice for one recipient and key."""
    open_tasks = (
        Task.objects.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED])
        .values("process_id", "flow_task")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert list(open_tasks) == []
    clocks = (
        SlaClock.objects.filter(status__in=["running", "paused"], task__isnull=False)
        .values("task_id", "name")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert list(clocks) == []
    notes = (
        Notification.objects.values("recipient_id", "dedupe_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert list(notes) == []


def test_twenty_supervisors_decide_one_approval(
    people, new_case, office, team, supervisor, caseworker
):
    others = [make_user(Role.SUPERVISOR, office, team, username=f"sup{i}") for i in range(19)]
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    approval = Approval.objects.get(subject_id=new_case.pk, status=ApprovalStatus.PENDING)
    sessions = people("sup", *[u.username for u in others])
    path = f"/approvals/{approval.pk}/"
    results = race(
        *[
            (
                lambda s=s, i=i: s.post(
                    path, {"decision": "approve" if i % 2 else "return", "comment": f"Decision {i}"}
                )
            )
            for i, s in enumerate(sessions)
        ]
    )
    statuses = _report("20 decisions of one approval", results)
    assert statuses.get(302) == 1 and statuses.get(409) == 19, statuses
    assert all(message_of(body) for status, body in results if status == 409)
    approval.refresh_from_db()
    assert approval.status in (ApprovalStatus.APPROVED, ApprovalStatus.RETURNED)
    decisions = CaseEvent.objects.filter(case=new_case, kind__in=["approved", "returned"])
    assert decisions.count() == 1
    _no_duplicates()


def test_twenty_caseworkers_claim_one_queue_task(
    people, new_case, office, team, supervisor, caseworker
):
    others = [make_user(Role.CASEWORKER, office, team, username=f"cw{i}") for i in range(19)]
    allocate(new_case, supervisor, caseworker)
    task_release(task=open_task(new_case, "intake"), actor=caseworker)
    task = open_task(new_case, "intake")
    sessions = people("cw", *[u.username for u in others])
    results = race(*[(lambda s=s: s.post(f"/tasks/{task.pk}/claim/")) for s in sessions])
    statuses = _report("20 claims of one queue task", results)
    assert statuses.get(302) == 1 and statuses.get(409) == 19, statuses
    task.refresh_from_db()
    winner = next(s for s, (status, _b) in zip(sessions, results, strict=True) if status == 302)
    assert task.owner.username == winner.username
    _no_duplicates()


def _assessment_form(i):
    data = {f"need_{code}": "medium" for code, _label in NEED_DOMAINS}
    data.update({"strengths": f"Strengths {i}", "risk_decided": "high", "needs_notes": ""})
    return data


def test_ten_completions_of_one_task(people, new_case, office, team, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    task = open_task(new_case, "assess")
    sessions = [people("cw")[0] for _ in range(10)]  # the same person, ten tabs
    results = race(
        *[
            (lambda s=s, i=i: s.post(f"/tasks/{task.pk}/", _assessment_form(i)))
            for i, s in enumerate(sessions)
        ]
    )
    statuses = _report("10 completions of one task", results)
    assert statuses.get(302) == 1 and statuses.get(409) == 9, statuses
    assert Assessment.objects.filter(case=new_case).count() == 1
    assert Approval.objects.filter(subject_id=new_case.pk, kind="assessment").count() == 1
    _no_duplicates()


def test_approve_against_withdraw(people, new_case, office, team, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    approval = Approval.objects.get(subject_id=new_case.pk, status=ApprovalStatus.PENDING)
    sup, cw = people("sup", "cw")
    path = f"/approvals/{approval.pk}/"
    results = race(
        *[
            lambda: sup.post(path, {"decision": "approve", "comment": "Fine"}),
            lambda: cw.post(path, {"action": "withdraw", "comment": "Forgot a need"}),
        ]
    )
    statuses = _report("approve against withdraw", results)
    assert statuses.get(302) == 1 and statuses.get(409) == 1, statuses
    approval.refresh_from_db()
    assert approval.status in (ApprovalStatus.APPROVED, ApprovalStatus.WITHDRAWN)
    _no_duplicates()


def test_transfer_accept_against_completion(
    people, new_case, office, other_office, team, supervisor, caseworker
):
    receiving_supervisor = make_user(Role.SUPERVISOR, other_office, username="sup2")
    receiving_team = make_team(other_office, supervisor=receiving_supervisor, name="Rodziny")
    receiving_caseworker = make_user(Role.CASEWORKER, other_office, receiving_team, username="cw2")
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    new_case.refresh_from_db()
    transfer = transfers.transfer_request(
        case=new_case, actor=caseworker, to_office=other_office, reason="Family moved"
    )
    task = open_task(new_case, "assess")
    sup2, cw = people("sup2", "cw")
    results = race(
        *[
            lambda: sup2.post(
                f"/transfers/{transfer.pk}/",
                {"accept": "yes", "caseworker": receiving_caseworker.pk},
            ),
            lambda: cw.post(f"/tasks/{task.pk}/", _assessment_form(0)),
        ]
    )
    statuses = _report("transfer accept against task completion", results)
    assert 500 not in statuses, statuses
    assert results[0][0] == 302, "the transfer is accepted whatever the order"
    completed = results[1][0] == 302
    if not completed:  # the transfer went first: the task is the new caseworker's now
        assert results[1][0] in (403, 409) and message_of(results[1][1])
        # What the caseworker typed is still on the page.
        assert "Strengths 0" in results[1][1]
    assert Assessment.objects.filter(case=new_case).count() == (1 if completed else 0)
    _no_duplicates()
