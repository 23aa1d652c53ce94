"""Reads of periodic case reviews and follow-up schedules: when a case is due for its
supervisor review, and the follow-up interval of each risk level."""

import datetime

from django.conf import settings
from django.db.models import DateTimeField, Exists, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from workflows.sla.calendar import add_months

from ..models import Case, CaseReview, FollowUpSchedulePolicy, Risk, Stage

DEFAULT_INTERVAL_MONTHS = 3
INTERVAL_MONTHS_BY_RISK: dict[str, int] = {Risk.HIGH: 1}


def interval_months(risk: str) -> int:
    by_risk = getattr(settings, "CASE_REVIEW_INTERVAL_MONTHS", None) or {}
    return by_risk.get(risk) or INTERVAL_MONTHS_BY_RISK.get(risk) or DEFAULT_INTERVAL_MONTHS


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same time `months` earlier, the day clamped to the end of a shorter month."""
    day = add_months(moment.date(), -months)
    return moment.replace(year=day.year, month=day.month, day=day.day)


def period_of(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date().replace(day=1)


def cases_due_for_review(now: datetime.datetime) -> QuerySet[Case]:
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


def follow_up_schedule() -> dict[str, FollowUpSchedulePolicy]:
    return {p.risk: p for p in FollowUpSchedulePolicy.objects.all()}
