"""Periodic case reviews: a supervisor reviews every open case at least every 3 months
(monthly for high risk). A daily job starts a short review process (CaseFlow.start_case_review)
for each case whose last review is older than its interval; one review per case and month
(a unique key), so a re-run or a second worker starts nothing twice.

Follow-up schedules: how often a case is followed up, by risk level.

The schedule is the deadline of the follow_up task: each follow-up task's SLA clock runs on
the policy `follow-up-<risk>` (workflows/sla/seed.py), so a missed follow-up escalates through
the SLA engine, and a change of risk re-targets the open follow-up clock
(task_hooks.risk_changed -> sla_clocks_retarget). An administrator edits the schedule here;
the matching SLA policy follows (a new version when a clock already uses it).
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from accounts.models import User
from workflows.errors import NotPermitted, WorkflowError
from workflows.queue import task_complete
from workflows.sla.models import SlaPolicy
from workflows.sla.services import sla_policy_revise

from .. import timeline
from ..cases.services import expect_node, require
from ..flows import CaseFlow
from ..models import (
    Case,
    CaseEvent,
    CaseReview,
    FollowUpSchedulePolicy,
    IntervalUnit,
    ReviewOutcome,
)
from ..permissions import CasePerm
from .selectors import cases_due_for_review, period_of


def case_reviews_start_due(*, now: datetime.datetime | None = None) -> int:
    """Start the reviews that are due; returns how many started. Safe to run twice."""
    now = now or timezone.now()
    period = period_of(now)
    started = 0
    for case_id in cases_due_for_review(now).values_list("pk", flat=True):
        try:
            with transaction.atomic():
                case = Case.objects.select_related("office", "team").get(pk=case_id)
                CaseReview.objects.create(case=case, period=period, created_at=now)
                CaseFlow.start_case_review.run(case=case, actor=None)
        except IntegrityError:
            continue  # another run started this period's review
        started += 1
    return started


def case_review_complete(*, task: Task, actor: User, outcome: str, note: str) -> CaseEvent:
    """The supervisor records the review; the outcome goes on the case timeline."""
    if task.flow_task is None or task.flow_task.name != "review_case":
        raise WorkflowError(_("This is not the right kind of task for this action."))
    if outcome not in ReviewOutcome.values:
        raise WorkflowError(_("Choose the outcome of the review."))
    if not note.strip():
        raise WorkflowError(_("Write what the review found."))

    def record(activation):
        case = activation.process.case
        now = timezone.now()
        review = (
            CaseReview.objects.select_for_update()
            .filter(case=case, reviewed_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if review is None:  # a review task without its row (started by hand): keep a record
            review = CaseReview.objects.create(case=case, period=period_of(now), created_at=now)
        review.outcome, review.note = outcome, note.strip()
        review.reviewed_by, review.reviewed_at = actor, now
        review.save(update_fields=["outcome", "note", "reviewed_by", "reviewed_at"])
        return timeline.review_recorded(case, actor=actor, review=review, note=note.strip())

    return task_complete(task=task, actor=actor, work=record)


def sla_policy_key(risk: str) -> str:
    return f"follow-up-{risk}"


@transaction.atomic
def follow_up_schedule_update(
    *, policy: FollowUpSchedulePolicy, actor: User | None, interval: int, unit: str
) -> FollowUpSchedulePolicy:
    if actor is not None and not actor.has_perm(CasePerm.CHANGE_FOLLOWUPSCHEDULEPOLICY):
        raise NotPermitted(_("You do not have permission to do this."))
    if interval <= 0 or unit not in IntervalUnit.values:
        raise WorkflowError(_("Give a positive interval in calendar days or months."))
    policy.interval, policy.unit = interval, unit
    policy.save(update_fields=["interval", "unit", "updated_at"])
    sla_policy = SlaPolicy.objects.filter(key=sla_policy_key(policy.risk), is_current=True).first()
    if sla_policy is not None and (
        sla_policy.target_amount != interval or sla_policy.target_unit != unit
    ):
        sla_policy_revise(
            policy=sla_policy,
            changes={"target_amount": interval, "target_unit": unit},
            actor=actor,
        )
    return policy


def overdue_review_complete(*, task: Task, actor: User, note: str) -> CaseEvent:
    """A manager records their review of a case escalated for missed deadlines."""
    expect_node(task, "review_overdue")
    require(bool(note.strip()), _("Write what you found and what will be done."))

    def record(activation):
        case = activation.process.case
        # The case may be escalated to a manager again from now on.
        activation.process.overdue_review_open_for = None
        activation.process.save(update_fields=["overdue_review_open_for"])
        return timeline.overdue_review_recorded(case, actor=actor, note=note.strip())

    return task_complete(task=task, actor=actor, work=record)
