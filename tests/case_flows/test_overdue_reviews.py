"""At most one open "Review overdue case" per case, enforced by the database: several clocks
of one case reaching the manager step in different batches or sweeps start one review."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from case_flows.flows import CaseFlow
from case_flows.models import CaseProcess
from case_flows.reviews.services import overdue_review_complete
from tests.steps import allocate, complete_intake
from workflows.sla.models import SlaEscalation
from workflows.sla.seed import seed_sla_policies
from workflows.sla.services import sla_clock_open
from workflows.sla.sweep import sla_sweep


@pytest.fixture(autouse=True)
def policies(db):
    seed_sla_policies()


def open_reviews(case):
    return Task.objects.filter(
        flow_task=CaseFlow.review_overdue,
        process__caseprocess__case=case,
        status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED],
    )


def test_clocks_reaching_the_manager_in_different_batches_start_one_review(
    time_machine, new_case, supervisor, caseworker, manager
):
    time_machine.move_to(timezone.now(), tick=False)
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    new_case.refresh_from_db()
    # A second deadline of the same case with a manager step (as a follow-up schedule's).
    sla_clock_open(
        subject=new_case,
        office=new_case.office,
        team=new_case.team,
        owner=caseworker,
        risk=new_case.risk,
        category="",
        kind="task",
        name="assess",
        started_at=timezone.now() - datetime.timedelta(days=1),
    )
    time_machine.move_to(timezone.now() + datetime.timedelta(days=60))
    sla_sweep(batch_size=1)  # every clock in its own batch
    sla_sweep(batch_size=1)  # and a later sweep
    at_manager = SlaEscalation.objects.filter(key="manager", clock__subject_id=new_case.pk)
    assert at_manager.values("clock").distinct().count() >= 2  # the case this test is about
    assert open_reviews(new_case).count() == 1


def test_the_database_refuses_a_second_open_review(new_case):
    CaseFlow.start_overdue_review.run(case=new_case, actor=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFlow.start_overdue_review.run(case=new_case, actor=None)
    assert open_reviews(new_case).count() == 1


def test_after_the_review_is_done_a_new_escalation_may_start_another(new_case, manager):
    CaseFlow.start_overdue_review.run(case=new_case, actor=None)
    overdue_review_complete(task=open_reviews(new_case).get(), actor=manager, note="Seen")
    assert not CaseProcess.objects.filter(overdue_review_open_for=new_case).exists()
    CaseFlow.start_overdue_review.run(case=new_case, actor=None)
    assert open_reviews(new_case).count() == 1
