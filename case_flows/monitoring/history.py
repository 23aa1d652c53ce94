"""Monthly sums of the dashboard's two history figures: deadline compliance and time in stage.

Both figures add up facts that never change once written: a deadline clock stops once, at
the moment it stops, keeping its office, policy and outcome; a stage change is an
append-only timeline event with the time the stage was entered. So a month that has ended
can be summed once and read as a few hundred rows instead of a million. The dashboard
(`case_flows.dashboard`) reads the sums of every whole month of its date range that has
been summed, in the viewer's time zone, and reads the rows themselves for the rest (the
current month, the partial months at either end of a custom range, any month not summed
yet): a figure is always exact, and always the same whichever path it took.

`dashboard_months_summarise()` runs hourly from Celery beat. For each time zone in use (the
offices' and settings.TIME_ZONE) it sums each month that ended at least SETTLE ago, going
back SUMMARY_MONTHS, and the current month up to the start of today once today is SETTLE
old (replacing yesterday's month-to-date sums), so only today is ever read row by row.
Data written with a past date (the demo loader, the bench generator) must call
`dashboard_summaries_clear()` afterwards.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Q, QuerySet, Sum
from django.utils import timezone

from accounts.models import Office
from workflows.sla.calendar import add_months
from workflows.sla.models import SlaClock
from workflows.sla.units import ClockStatus

from ..models import (
    OPEN_STAGES,
    STAGE_CHANGE,
    CaseEvent,
    DashboardMonth,
    DashboardMonthRow,
    SummaryFigure,
)

logger = logging.getLogger(__name__)

# Two years and a month: every whole month of the longest date range the filters accept.
SUMMARY_MONTHS = 25
# A month is summed only once it ended this long ago, so no transaction still in flight at
# midnight can stop a clock inside it after it was summed.
SETTLE = timedelta(hours=1)


def month_start(month: date, zone: ZoneInfo) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=zone)


def summary_timezones() -> list[str]:
    """The time zones a dashboard can be viewed in: every office's and the default."""
    zones = set(Office.objects.values_list("timezone", flat=True).distinct())
    zones.add(settings.TIME_ZONE)
    return sorted(z for z in zones if z)


def case_clocks_q() -> Q:
    # Through the content type's natural key: no ContentType lookup query, no cache state.
    return Q(subject_type__app_label="case_flows", subject_type__model="case")


def ranges_q(field: str, ranges) -> Q:
    """Any of the half-open [start, end) ranges on a datetime field."""
    condition = Q(pk__in=[])
    for start, end in ranges:
        condition |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return condition


def met_clocks(ranges) -> QuerySet[SlaClock]:
    """The deadlines of cases stopped as met in `ranges` (cancelled ones do not count)."""
    return SlaClock.objects.filter(
        case_clocks_q(), ranges_q("stopped_at", ranges), status=ClockStatus.MET
    )


def stage_exits(ranges) -> QuerySet[CaseEvent]:
    """Stage changes in `ranges` that leave an open stage (time spent closed is not
    counted) and know when it was entered (stage_entered_at, written by fire_transition;
    migration 0008 filled in the older events)."""
    return CaseEvent.objects.filter(
        STAGE_CHANGE,
        ranges_q("created_at", ranges),
        from_stage__in=OPEN_STAGES,
        stage_entered_at__isnull=False,
    )


def met_clock_counts() -> dict:
    """Compliance of the met clocks grouped by the caller: the policy's name, on time and
    late. Counting a column of the covering indexes, not the key, keeps it index-only.
    The monthly sums and the dashboard's live rows both use it, so they agree."""
    return {
        "name": Max("policy__name"),
        "on_time": Count("stopped_at", filter=Q(breached=False)),
        "late": Count("stopped_at", filter=Q(breached=True)),
    }


def stage_exit_sums() -> dict:
    """Stage changes grouped by the caller: how many, and the total time spent in the stage
    left (the sums and the live rows both use it)."""
    return {
        "n": Count("created_at"),
        "duration": Sum(
            ExpressionWrapper(F("created_at") - F("stage_entered_at"), output_field=DurationField())
        ),
    }


def summarise_month(zone_name: str, month: date, until: date | None = None):
    """Sum one month (or its days before `until`) in one time zone; returns the new
    DashboardMonth, or None if it was summed already (or concurrently)."""
    zone = ZoneInfo(zone_name)
    until = until or add_months(month, 1)
    start = month_start(month, zone)
    end = datetime(until.year, until.month, until.day, tzinfo=zone)
    try:
        with transaction.atomic():
            period = DashboardMonth.objects.create(zone=zone_name, month=month, until=until)
            rows = [
                DashboardMonthRow(
                    period=period,
                    figure=SummaryFigure.SLA,
                    office_id=r["office_id"],
                    key=r["policy__key"],
                    name=r["name"] or "",
                    count=r["on_time"],
                    late=r["late"],
                )
                for r in met_clocks([(start, end)])
                .values("office_id", "policy__key")
                .annotate(**met_clock_counts())
                .order_by()
            ]
            rows += [
                DashboardMonthRow(
                    period=period,
                    figure=SummaryFigure.STAGE_TIME,
                    key=r["from_stage"],
                    count=r["n"],
                    duration=r["duration"],
                )
                for r in stage_exits([(start, end)])
                .values("from_stage")
                .annotate(**stage_exit_sums())
                .order_by()
            ]
            DashboardMonthRow.objects.bulk_create(rows)
            # Month-to-date sums this period replaces (rows go with them: CASCADE).
            DashboardMonth.objects.filter(zone=zone_name, month=month, until__lt=until).delete()
    except IntegrityError:  # another run summed it first
        return None
    return period


def months_to_summarise(now: datetime, zone_name: str, months: int = SUMMARY_MONTHS) -> list:
    """The months (first days) that have ended at least SETTLE ago, newest first."""
    zone = ZoneInfo(zone_name)
    local = (now - SETTLE).astimezone(zone)
    month = date(local.year, local.month, 1)  # the month still running (or settling)
    return [add_months(month, -back) for back in range(1, months + 1)]


def month_to_date(now: datetime, zone_name: str) -> tuple[date, date] | None:
    """(month, until) of the current month's days that ended at least SETTLE ago; None on
    the first day of a month (nothing has ended yet)."""
    today = (now - SETTLE).astimezone(ZoneInfo(zone_name)).date()
    month = date(today.year, today.month, 1)
    return (month, today) if today > month else None


def dashboard_months_summarise(now: datetime | None = None, months: int = SUMMARY_MONTHS) -> int:
    """Sum every ended month not summed yet, and the current month to the start of today,
    in every time zone in use; returns how many periods were written."""
    now = now or timezone.now()
    written = 0
    for zone_name in summary_timezones():
        wanted = [(m, add_months(m, 1)) for m in months_to_summarise(now, zone_name, months)]
        current = month_to_date(now, zone_name)
        if current:
            wanted.append(current)
        done = set(
            DashboardMonth.objects.filter(
                zone=zone_name, month__in=[m for m, _until in wanted]
            ).values_list("month", "until")
        )
        for month, until in wanted:
            if (month, until) not in done and summarise_month(zone_name, month, until):
                written += 1
    if written:
        logger.info("dashboard: summed %s month(s)", written)
    return written


def dashboard_summaries_clear() -> int:
    """Forget every sum (after data was written with past dates); the next run redoes them."""
    deleted, _detail = DashboardMonth.objects.all().delete()
    return deleted
