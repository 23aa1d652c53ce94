"""Two people acting on the same thing at once: one wins, the other gets a clear Conflict."""

import threading

import pytest
from django.db import connection

from accounts.models import Role
from case_flows.models import CaseEvent, Stage
from tests.factories import make_user
from tests.steps import allocate, complete_intake, open_task, submit_assessment
from workflows.approvals.models import ApprovalStatus
from workflows.approvals.services import approval_decide
from workflows.errors import Conflict
from workflows.queue import task_claim

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls):
    """Run the calls in threads released together; return their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_two_supervisors_decide_the_same_approval(new_case, office, team, supervisor, caseworker):
    other_supervisor = make_user(Role.SUPERVISOR, office, team, username="sup2")
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    approval = open_task(new_case, "approve_assessment").approval

    results = race(
        lambda: approval_decide(approval=approval, actor=supervisor, approve=True, comment=""),
        lambda: approval_decide(
            approval=approval, actor=other_supervisor, approve=False, comment="Redo it"
        ),
    )
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], Conflict)
    approval.refresh_from_db()
    assert approval.status in (ApprovalStatus.APPROVED, ApprovalStatus.RETURNED)
    # The loser is told who decided and how.
    assert str(approval.decided_by) in losers[0].message
    assert approval.get_status_display().lower() in losers[0].message
    # Exactly one decision on the timeline.
    assert CaseEvent.objects.filter(case=new_case, kind__in=["approved", "returned"]).count() == 1


def test_two_caseworkers_claim_the_same_queue_task(office, team, supervisor, caseworker, new_case):

    second = make_user(Role.CASEWORKER, office, team, username="cw2")
    allocate(new_case, supervisor, caseworker)
    # Put the intake task back in the team queue.
    task = open_task(new_case, "intake")
    from workflows.queue import task_release

    task_release(task=task, actor=caseworker)
    task = open_task(new_case, "intake")
    assert task.owner_id is None

    results = race(
        lambda: task_claim(task=task, actor=caseworker),
        lambda: task_claim(task=task, actor=second),
    )
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], Conflict), results
    task.refresh_from_db()
    assert task.owner in (caseworker, second)
    assert str(task.owner) in errors[0].message


def test_same_task_submitted_twice_at_once(new_case, supervisor, caseworker):
    import case_flows.work.services as work_services

    allocate(new_case, supervisor, caseworker)
    task = open_task(new_case, "intake")

    def submit():
        return work_services.intake_complete(
            task=task,
            actor=caseworker,
            source="walk_in",
            presenting_concerns="x",
            immediate_safety="safe",
            consent_to_share=True,
        )

    results = race(submit, submit)
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], Conflict), results
    assert "already completed by" in errors[0].message
    new_case.refresh_from_db()
    assert new_case.stage == Stage.ASSESSMENT
    assert CaseEvent.objects.filter(case=new_case, transition="complete_intake").count() == 1
