"""Periodic case reviews: a supervisor reviews every open case at least every 3 months
(monthly for high risk). A daily job starts a short review process (CaseFlow.start_case_review)
for each case whose last review is older than its interval; one review per case and month
(a unique key), so a re-run or a second worker starts nothing twice."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import DateTimeField, Exists, Max, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from accounts.models import User
from workflows.errors import WorkflowError
from workflows.queue import task_complete
from workflows.sla.calendar import add_months

from .models import Case, CaseEvent, CaseReview, EventKind, ReviewOutcome, Risk, Stage

DEFAULT_INTERVAL_MONTHS = 3
INTERVAL_MONTHS_BY_RISK = {Risk.HIGH: 1}


def interval_months(risk: str) -> int:
    by_risk = getattr(settings, "CASE_REVIEW_INTERVAL_MONTHS", None) or {}
    return by_risk.get(risk) or INTERVAL_MONTHS_BY_RISK.get(risk) or DEFAULT_INTERVAL_MONTHS


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same time `months` earlier, the day clamped to the end of a shorter month."""
    day = add_months(moment.date(), -months)
    return moment.replace(year=day.year, month=day.month, day=day.day)


def period_of(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date().replace(day=1)


def cases_due_for_review(now: datetime.datetime):
    """Open cases whose last review (or opening) is older than their risk's interval, and
    with no review open and none this period. One query."""
    reviews = CaseReview.objects.filter(case=OuterRef("pk"))
    last = Coalesce(Max("reviews__created_at"), "opened_at", output_field=DateTimeField())
    due = Q()
    risks_with_own = set(INTERVAL_MONTHS_BY_RISK) | set(
        (getattr(settings, "CASE_REVIEW_INTERVAL_MONTHS", None) or {}).keys()
    )
    for risk in Risk.values:
        if risk in risks_with_own:
            due |= Q(risk=risk, last_review__lte=months_before(now, interval_months(risk)))
    others = Q(last_review__lte=months_before(now, DEFAULT_INTERVAL_MONTHS)) & ~Q(
        risk__in=risks_with_own
    )
    return (
        Case.objects.exclude(stage=Stage.CLOSED)
        .filter(~Exists(reviews.filter(reviewed_at__isnull=True)))
        .filter(~Exists(reviews.filter(period=period_of(now))))
        .annotate(last_review=last)
        .filter(due | others)
        .order_by("pk")
    )


def case_reviews_start_due(*, now: datetime.datetime | None = None) -> int:
    """Start the reviews that are due; returns how many started. Safe to run twice."""
    from .flows import CaseFlow

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
    created = {}

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
        created["event"] = CaseEvent.objects.create(
            case=case,
            kind=EventKind.REVIEW,
            actor=actor,
            from_stage=case.stage,
            to_stage=case.stage,
            transition="case_review",
            comment=note.strip(),
            data={"review": review.pk, "outcome": outcome, "period": str(review.period)},
        )

    task_complete(task=task, actor=actor, work=record)
    return created["event"]
