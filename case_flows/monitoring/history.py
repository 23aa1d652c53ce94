"""The dashboard's two history figures, deadline compliance and time in stage, and their
monthly sums.

Both figures add up facts that never change once written: a deadline clock stops once, at
the moment it stops, keeping its office, policy and outcome; a stage change is an
append-only timeline event with the time the stage was entered. So a month that has ended
can be summed once and read as a few hundred rows instead of a million. The figures
(`sla_figures`, `stage_time_figures` below) read the sums of every whole month of their date
range that has been summed, in the viewer's time zone, and the rows themselves for the rest
(the current month, the partial months at either end of a custom range, any month not summed
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
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import Office, User
from accounts.scope import scope_for, supervised_office_ids
from workflows.sla.calendar import add_months
from workflows.sla.models import SlaClock
from workflows.sla.units import ClockStatus

from ..models import (
    OPEN_STAGES,
    STAGE_CHANGE,
    Case,
    CaseEvent,
    DashboardMonth,
    DashboardMonthRow,
    SummaryFigure,
)
from .filters import (
    STAGE_LABELS,
    TIMED_STAGES,
    DashboardFilters,
    case_scope_q,
    clock_scope_q,
    day_start,
    shows_rollup,
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


# --- the history figures: monthly sums and live rows ----------------------------------------


def scoped_met_clocks(user: User, filters: DashboardFilters, ranges=None) -> QuerySet[SlaClock]:
    """Clocks stopped as met in the date range (or in `ranges`, parts of it), in scope."""
    return met_clocks(ranges or [(filters.start, filters.end)]).filter(clock_scope_q(user, filters))


def scoped_stage_exits(user: User, filters: DashboardFilters, ranges=None) -> QuerySet[CaseEvent]:
    """Stage changes in the date range (or in `ranges`, parts of it) of the cases in scope:
    stage_exits above."""
    ranges = ranges or [(filters.start, filters.end)]
    exits = stage_exits(ranges)
    condition = case_scope_q(user, filters)
    if condition:
        # The cases in scope that can have left a stage in the range: open, or closed
        # since it began (closing is a case's last stage change; a day's margin covers the
        # instants between closed_at and the closing event). A few thousand ids for the
        # largest office, each read from index caseevent_case_stage_change, instead of
        # every case the office ever had.
        since = min(start for start, _end in ranges) - timedelta(days=1)
        cases = Case.objects.filter(condition).filter(
            Q(closed_at__isnull=True) | Q(closed_at__gte=since)
        )
        exits = exits.filter(case_id__in=cases.values("pk"))
    return exits


def sla_summary_offices(user: User, filters: DashboardFilters):
    """The offices whose summed compliance this view may read: None for every office,
    a set of office ids, or False when the sums cannot answer (a team, risk or category
    filter, or a scope of teams rather than whole offices)."""
    if filters.team_id or filters.risk or filters.category_id or filters.category_code:
        return False
    scope = scope_for(user)
    if scope.all_offices:
        return {filters.office_id} if filters.office_id else None
    if scope.team_ids or supervised_office_ids(user) or not scope.office_ids:
        return False
    offices = set(scope.office_ids)
    return offices & {filters.office_id} if filters.office_id else offices


def stage_summary_usable(user: User, filters: DashboardFilters) -> bool:
    """Time in stage is summed for every office together: the national view, unfiltered."""
    return scope_for(user).all_offices and not (
        filters.office_id or filters.team_id or filters.risk or filters.category_id
    )


def summarised_months(filters: DashboardFilters) -> dict[int, tuple[date, date]]:
    """The summed periods that lie inside the range, in the current time zone, one a month
    (the longest): {DashboardMonth id: (month, until)}. One query (none when no month of
    the range starts inside it)."""
    months = []
    month = date(filters.first_day.year, filters.first_day.month, 1)
    if month < filters.first_day:
        month = add_months(month, 1)
    while month <= filters.last_day:
        months.append(month)
        month = add_months(month, 1)
    if not months:
        return {}
    longest: dict[date, tuple[int, date]] = {}
    for pk, month, until in DashboardMonth.objects.filter(
        zone=timezone.get_current_timezone_name(),
        month__in=months,
        until__lte=filters.last_day + timedelta(days=1),
    ).values_list("pk", "month", "until"):
        if month not in longest or until > longest[month][1]:
            longest[month] = (pk, until)
    return {pk: (month, until) for month, (pk, until) in longest.items()}


def _plan(filters: DashboardFilters, summed: dict[int, tuple[date, date]]):
    """Split the range: {period id: month key} read from the sums, and the [start, end)
    ranges left to read live (merged, in order)."""
    live, cursor = [], filters.start
    for month, until in sorted(summed.values()):
        start, end = day_start(month), day_start(until)
        if start > cursor:
            live.append((cursor, start))
        cursor = max(cursor, end)
    if cursor < filters.end:
        live.append((cursor, filters.end))
    periods = {pk: f"{month.year:04d}-{month.month:02d}" for pk, (month, _u) in summed.items()}
    return periods, live


def _sla_rows(
    user: User, filters: DashboardFilters, summed: dict[int, tuple[date, date]]
) -> list[dict]:
    """Compliance counts by office, month and policy: from the sums and the live rows.

    A row with an office and a month counts everywhere; the sums come as two short lists
    instead of one long one: rows by office only (month None: the roll-up) and rows by
    month and policy only (office None: every other figure).
    """
    offices = sla_summary_offices(user, filters)
    periods, live = _plan(filters, {} if offices is False else summed)
    rows = []
    if periods:
        sums = DashboardMonthRow.objects.filter(period_id__in=periods, figure=SummaryFigure.SLA)
        if offices is not None:
            sums = sums.filter(office_id__in=offices)
        if shows_rollup(user, filters):
            for office_id, on_time, late in (
                sums.values_list("office_id").annotate(Sum("count"), Sum("late")).order_by()
            ):
                rows.append(
                    {"office_id": office_id, "month": None, "on_time": on_time, "late": late}
                )
        for period_id, key, name, on_time, late in (
            sums.values_list("period_id", "key")
            .annotate(Max("name"), Sum("count"), Sum("late"))
            .order_by()
        ):
            rows.append(
                {
                    "office_id": None,
                    "month": periods[period_id],
                    "policy": key,
                    "name": name,
                    "on_time": on_time,
                    "late": late,
                }
            )
    if live:
        for r in (
            scoped_met_clocks(user, filters, live)
            .annotate(month=TruncMonth("stopped_at"))
            # by office too: the national roll-up reads its column from the same pass
            .values("office_id", "month", "policy__key")
            .annotate(**met_clock_counts())
            .order_by()
        ):
            rows.append(
                {
                    "office_id": r["office_id"],
                    "month": _month_key(r["month"]),
                    "policy": r["policy__key"],
                    "name": r["name"],
                    "on_time": r["on_time"],
                    "late": r["late"],
                }
            )
    return rows


def sla_figures(
    user: User, filters: DashboardFilters, summed: dict[int, tuple[date, date]] | None = None
) -> dict:
    """Compliance per month, per policy and per office over met clocks in the range."""
    # [on time, late] per month key and per office id
    months: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    offices: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0])
    policies: dict = {}
    total = [0, 0]
    for row in _sla_rows(user, filters, summed or {}):
        on_time, late = row["on_time"], row["late"]
        if row["office_id"] is not None:
            offices[row["office_id"]][0] += on_time
            offices[row["office_id"]][1] += late
        if row["month"] is None:
            continue
        months[row["month"]][0] += on_time
        months[row["month"]][1] += late
        policy = policies.setdefault(
            row["policy"], {"policy": row["policy"], "name": row["name"], "c": [0, 0]}
        )
        policy["name"] = max(policy["name"], row["name"])  # the same name whichever path
        policy["c"][0] += on_time
        policy["c"][1] += late
        total[0] += on_time
        total[1] += late
    return {
        "total": compliance(*total),
        "by_month": [{"month": key, **compliance(*months[key])} for key in _months(filters)],
        "by_policy": sorted(
            (
                {"policy": p["policy"], "name": p["name"], **compliance(*p["c"])}
                for p in policies.values()
            ),
            key=lambda p: (p["percent"] if p["percent"] is not None else 101, p["name"]),
        ),
        # For the national roll-up (complete only there: other views skip the office sums)
        "per_office": {pk: compliance(*counts) for pk, counts in offices.items()}
        if shows_rollup(user, filters)
        else {},
    }


def compliance(on_time: int, late: int) -> dict:
    total = on_time + late
    return {
        "on_time": on_time,
        "late": late,
        "total": total,
        "percent": round(100 * on_time / total, 1) if total else None,
    }


def _month_key(value) -> str:
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.year:04d}-{value.month:02d}"


def _months(filters: DashboardFilters) -> list[str]:
    keys, month = [], filters.first_day.replace(day=1)
    while month <= filters.last_day:
        keys.append(_month_key(month))
        month = add_months(month, 1)
    return keys


def stage_time_figures(
    user: User, filters: DashboardFilters, summed: dict[int, tuple[date, date]] | None = None
) -> dict:
    """Average time in each stage over the stage changes in the range: the sums of whole
    summed months (national view) and one query over the rest."""
    periods, live = _plan(filters, (summed or {}) if stage_summary_usable(user, filters) else {})
    found: defaultdict[str, list[Any]] = defaultdict(lambda: [0, timedelta(0)])  # [n, total]
    if periods:
        for r in DashboardMonthRow.objects.filter(
            period_id__in=periods, figure=SummaryFigure.STAGE_TIME
        ).values("key", "count", "duration"):
            found[r["key"]][0] += r["count"]
            found[r["key"]][1] += r["duration"] or timedelta(0)
    if live:
        for row in (
            scoped_stage_exits(user, filters, live)
            .values("from_stage")
            .annotate(**stage_exit_sums())
            .order_by()
        ):
            found[row["from_stage"]][0] += row["n"]
            found[row["from_stage"]][1] += row["duration"] or timedelta(0)
    by_stage = []
    for stage in TIMED_STAGES:
        n, duration = found[stage] if stage in found else (0, timedelta(0))
        by_stage.append(
            {
                "stage": stage,
                "label": STAGE_LABELS[stage],
                "count": n,
                "average": duration / n if n else None,
            }
        )
    return {"by_stage": by_stage}
