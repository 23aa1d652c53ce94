"""The manager dashboard's figures: plain-data reads over the user's access scope.

Every figure is one query (conditional aggregation and GROUP BY), always restricted by
`accounts.scope.scope_q` (through `cases_visible_to` or the same rule on the case's
columns), so a supervisor sees their teams, an office manager their office and a national
manager or administrator every office. `dashboard_figures(user, filters)` is the public
entry point (the page and the benchmark call it); `figure_cases(user, filters, figure,
params)` is the list of cases behind any one figure.

Definitions (also shown on the page and in docs of the report):
- open case: stage is not "closed"; age = days since `opened_at` (0-30, 31-90, 91-180, 181+);
- overdue task: an open (new/assigned/started) human task of a case process that has a
  running task clock whose deadline has breached. Such a case always has
  `Case.is_overdue` set (task_hooks.refresh_overdue keeps the flag), which lets the query
  start from the few overdue cases. "By caseworker" is the task's assignee (none: waiting
  unclaimed in a queue); "by stage" is the case's current stage;
- SLA compliance: over clocks stopped as met (status "met") in the date range,
  on time / (on time + late), where late means the clock had breached before it stopped.
  Cancelled clocks do not count. Clocks are scoped by their own office, team, risk
  and category (copied from the case and kept current by the SLA services), not by owner;
- caseload: open cases owned by each caseworker against the threshold of their home
  office (CaseloadThreshold; the office-less row is the default);
- time in stage: for every stage change in the date range that leaves a stage, the time
  since the case entered that stage (CaseEvent.stage_entered_at, written by
  fire_transition: the time of the case's previous stage change); averaged per stage
  left. Time spent closed (before a reopening) is not counted;
- escalations waiting: open "Review overdue case" tasks (new or assigned);
- approvals waiting: pending approval requests on cases in scope; count, oldest and
  median wait.
The date range applies to SLA compliance and time in stage; every other figure is the
state now.

Speed at national scale: the two history figures read the monthly sums of
`case_flows.dashboard_summary` for every whole month of the range that has been summed
(deadline compliance when the scope is whole offices and no team, risk or category filter
is set; time in stage for the national view without filters) and the rows themselves for
the rest, so they are exact either way. The figures of the state now read covering partial
indexes (index-only scans): see docs/dashboard.md.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Office, User
from accounts.scope import scope_for, scope_q, supervised_office_ids, visible_offices
from workflows.approvals.models import Approval, ApprovalStatus
from workflows.sla.calendar import add_months
from workflows.sla.models import SlaClock
from workflows.sla.units import ClockKind, ClockStatus

from ..flows import CaseFlow
from ..models import (
    DEFAULT_CASELOAD_THRESHOLD,
    OPEN_STAGES,
    Case,
    CaseEvent,
    CaseloadThreshold,
    DashboardMonth,
    DashboardMonthRow,
    Stage,
    SummaryFigure,
)
from ..selectors import OPEN_TASK_STATUSES, cases_visible_to
from .history import (
    case_clocks_q,
    met_clock_counts,
    met_clocks,
    stage_exit_sums,
    stage_exits,
)

DEFAULT_MONTHS = 6
MAX_RANGE_DAYS = 731
TOP_CASEWORKERS = 25
# Past this many ids, reading every user beats a query with the ids listed (caseload).
MAX_LISTED_IDS = 500

AGE_BUCKETS = [
    # key, label, lowest age in days, highest age in days (None: no upper bound)
    ("0-30", _("0–30 days"), 0, 30),
    ("31-90", _("31–90 days"), 31, 90),
    ("91-180", _("91–180 days"), 91, 180),
    ("181+", _("over 180 days"), 181, None),
]
AGE_KEYS = [key for key, *_rest in AGE_BUCKETS]
STAGE_LABELS = dict(Stage.choices)
# The stages a case can spend time in before leaving them (closed is left only by reopening).
TIMED_STAGES = [s for s in OPEN_STAGES]
# Figures of overdue work: their lists say how late each case is and sort by it.
LATE_FIGURES = ("overdue_cases", "overdue_tasks")
FIGURES = (
    "open",
    "open_stage",
    "age",
    "overdue_cases",
    "overdue_tasks",
    "caseload",
    "sla",
    "stage_time",
    "escalations",
    "approvals",
)


class FigureError(ValueError):
    """A figure name or value that the case list cannot show; the message is safe to show."""


@dataclass(frozen=True)
class DashboardFilters:
    office_id: int | None = None
    team_id: int | None = None
    risk: str | None = None
    category_id: int | None = None
    # The category's code: SLA clocks carry the code, not the id.
    category_code: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def coerce(cls, filters) -> DashboardFilters:
        if filters is None:
            filters = cls()
        elif isinstance(filters, dict):
            filters = cls(**filters)
        return filters.with_defaults()

    def with_defaults(self) -> DashboardFilters:
        if self.date_from and self.date_to:
            return self
        date_from, date_to = default_date_range()
        return replace(self, date_from=self.date_from or date_from, date_to=self.date_to or date_to)

    @property
    def start(self) -> datetime:
        return _day_start(self.date_from)

    @property
    def end(self) -> datetime:
        """Exclusive: the start of the day after date_to."""
        return _day_start(self.date_to + timedelta(days=1))

    def as_dict(self) -> dict:
        data = asdict(self)
        data["date_from"] = self.date_from.isoformat() if self.date_from else None
        data["date_to"] = self.date_to.isoformat() if self.date_to else None
        return data

    def as_query(self) -> dict[str, str]:
        """The GET parameters that reproduce these filters (for links)."""
        query = {}
        if self.office_id:
            query["office"] = str(self.office_id)
        if self.team_id:
            query["team"] = str(self.team_id)
        if self.risk:
            query["risk"] = self.risk
        if self.category_id:
            query["category"] = str(self.category_id)
        if self.date_from:
            query["date_from"] = self.date_from.isoformat()
        if self.date_to:
            query["date_to"] = self.date_to.isoformat()
        return query


def default_date_range(today: date | None = None) -> tuple[date, date]:
    """This month and the five before it, to today."""
    today = today or timezone.localdate()
    return add_months(today.replace(day=1), -(DEFAULT_MONTHS - 1)), today


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


# --- scope --------------------------------------------------------------------------------


def case_scope_q(user: User, filters: DashboardFilters, prefix: str = "") -> Q:
    """The user's access scope and the dashboard filters, on the case reached by `prefix`."""
    p = prefix
    condition = scope_q(user, office=f"{p}office", team=f"{p}team", owner=f"{p}owner")
    if filters.office_id:
        condition &= Q(**{f"{p}office_id": filters.office_id})
    if filters.team_id:
        condition &= Q(**{f"{p}team_id": filters.team_id})
    if filters.risk:
        condition &= Q(**{f"{p}risk": filters.risk})
    if filters.category_id:
        condition &= Q(**{f"{p}category_id": filters.category_id})
    return condition


def _clock_scope_q(user: User, filters: DashboardFilters) -> Q:
    """The scope on an SLA clock's own office and team (copied from its case).

    By office and team only: a case a supervisor owns outside their teams is not counted
    here (an OR on the owner would make PostgreSQL scan every met clock). The redundant
    office condition lets it read the (office, stopped_at) index, office by office.
    """
    scope = scope_for(user)
    condition = Q()
    if not scope.all_offices:
        condition = scope_q(user, office="office", team="team", owner=None)
        condition &= Q(office_id__in=visible_offices(user).values("pk"))
    if filters.office_id:
        condition &= Q(office_id=filters.office_id)
    if filters.team_id:
        condition &= Q(team_id=filters.team_id)
    if filters.risk:
        condition &= Q(risk=filters.risk)
    if filters.category_code:
        condition &= Q(category=filters.category_code)
    return condition


def scoped_cases(user: User, filters: DashboardFilters) -> QuerySet[Case]:
    """Cases in the user's scope that match the filters (the base of every case list)."""
    qs = cases_visible_to(user)
    if filters.office_id:
        qs = qs.filter(office_id=filters.office_id)
    if filters.team_id:
        qs = qs.filter(team_id=filters.team_id)
    if filters.risk:
        qs = qs.filter(risk=filters.risk)
    if filters.category_id:
        qs = qs.filter(category_id=filters.category_id)
    return qs


def _open(qs: QuerySet[Case]) -> QuerySet[Case]:
    # exclude() (NOT stage = 'closed') matches the partial indexes' predicate.
    return qs.exclude(stage=Stage.CLOSED)


def _case_tasks() -> QuerySet[Task]:
    return Task.objects.filter(flow_task_type="HUMAN", process__flow_class=CaseFlow)


def _overdue_task_clocks(user: User, filters: DashboardFilters) -> QuerySet[SlaClock]:
    """The breached running deadline of each overdue task: an open (new, assigned, started)
    human task of a case with a running task clock that has breached.

    Starts from the few breached task clocks (partial index sla_clock_breached_task, by the
    clock's office, which the SLA services keep equal to the case's) rather than from the
    open tasks; the case's access scope and filters still decide, through the subject.
    """
    clocks = SlaClock.objects.filter(
        case_clocks_q(),
        kind=ClockKind.TASK,
        status=ClockStatus.RUNNING,
        breached=True,
        task__flow_task_type="HUMAN",
        task__status__in=OPEN_TASK_STATUSES,
    )
    scope = scope_for(user)
    if not scope.all_offices:
        clocks = clocks.filter(office_id__in=visible_offices(user).values("pk"))
    if filters.office_id:
        clocks = clocks.filter(office_id=filters.office_id)
    if not scope.all_offices or filters.team_id or filters.risk or filters.category_id:
        in_scope = Case.objects.filter(
            case_scope_q(user, filters), pk=OuterRef("subject_id"), is_overdue=True
        )
        clocks = clocks.filter(Exists(in_scope))
    return clocks


def _escalation_tasks(user: User, filters: DashboardFilters) -> QuerySet[Task]:
    return (
        _case_tasks()
        .filter(flow_task=CaseFlow.review_overdue, status__in=[STATUS.NEW, STATUS.ASSIGNED])
        .filter(case_scope_q(user, filters, "process__caseprocess__case__"))
    )


def _pending_approvals(user: User, filters: DashboardFilters) -> QuerySet[Approval]:
    in_scope = Case.objects.filter(case_scope_q(user, filters), pk=OuterRef("subject_id"))
    return Approval.objects.filter(
        status=ApprovalStatus.PENDING,
        subject_type__app_label="case_flows",
        subject_type__model="case",
    ).filter(Exists(in_scope))


def _met_clocks(user: User, filters: DashboardFilters, ranges=None) -> QuerySet[SlaClock]:
    """Clocks stopped as met in the date range (or in `ranges`, parts of it), in scope."""
    return met_clocks(ranges or [(filters.start, filters.end)]).filter(
        _clock_scope_q(user, filters)
    )


def _stage_exits(user: User, filters: DashboardFilters, ranges=None) -> QuerySet[CaseEvent]:
    """Stage changes in the date range (or in `ranges`, parts of it) of the cases in scope:
    dashboard_summary.stage_exits."""
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


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5): the median of a numeric expression."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class Epoch(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def _age_q(key: str, now: datetime, prefix: str = "") -> Q:
    """Open cases whose age in whole days falls in the bucket `key`."""
    for bucket_key, _label, low, high in AGE_BUCKETS:
        if bucket_key == key:
            # age = floor((now - opened_at) / 1 day): age >= low <=> opened_at <= now - low days
            condition = Q(**{f"{prefix}opened_at__lte": now - timedelta(days=low)})
            if high is not None:
                condition &= Q(**{f"{prefix}opened_at__gt": now - timedelta(days=high + 1)})
            return condition
    raise FigureError(_("Unknown age group."))


# --- the figures --------------------------------------------------------------------------


def open_cases_figures(user: User, filters: DashboardFilters, now: datetime) -> dict:
    """Open cases by office and stage, with overdue cases and age groups: one query."""
    # Counting a column of the covering index (opened_at is never null), not the primary
    # key, keeps this an index-only scan of case_open_office_stage.
    aggregates = {
        "total": Count("opened_at"),
        "overdue": Count("opened_at", filter=Q(is_overdue=True)),
    }
    for key in AGE_KEYS:
        aggregates[f"age_{key}"] = Count("opened_at", filter=_age_q(key, now))
    rows = list(
        _open(scoped_cases(user, filters))
        .values("office_id", "stage")
        .annotate(**aggregates)
        .order_by()
    )
    by_stage = defaultdict(int)
    ages = defaultdict(int)
    per_office = defaultdict(lambda: {"open": 0, "overdue_cases": 0, "old": 0})
    total = overdue = 0
    for row in rows:
        by_stage[row["stage"]] += row["total"]
        total += row["total"]
        overdue += row["overdue"]
        office = per_office[row["office_id"]]
        office["open"] += row["total"]
        office["overdue_cases"] += row["overdue"]
        office["old"] += row["age_181+"]
        for key in AGE_KEYS:
            ages[key] += row[f"age_{key}"]
    return {
        "total": total,
        "overdue": overdue,
        "by_stage": [
            {"stage": stage, "label": STAGE_LABELS[stage], "count": by_stage[stage]}
            for stage in OPEN_STAGES
        ],
        "ages": [
            {"bucket": key, "label": label, "count": ages[key]}
            for key, label, _low, _high in AGE_BUCKETS
        ],
        "per_office": dict(per_office),
    }


def overdue_task_figures(user: User, filters: DashboardFilters) -> dict:
    """Overdue tasks by the case's stage and by assignee (and office): one query, and one
    for the names of the caseworkers shown."""
    # A case with a breached running clock is flagged overdue (task_hooks.refresh_overdue):
    # its stage comes from the small covering index case_overdue_stage.
    case_stage = Case.objects.filter(pk=OuterRef("subject_id"), is_overdue=True).values("stage")
    rows = (
        _overdue_task_clocks(user, filters)
        .annotate(stage=Subquery(case_stage[:1]))
        .values_list("office_id", "stage", "task__owner_id")
        .annotate(n=Count("task_id", distinct=True))
        .order_by()
    )
    by_stage = defaultdict(int)
    by_owner = defaultdict(int)
    per_office = defaultdict(int)
    total = 0
    for office_id, stage, owner_id, n in rows:
        total += n
        by_stage[stage] += n
        per_office[office_id] += n
        by_owner[owner_id] += n
    owners = _top_people(by_owner, TOP_CASEWORKERS)
    return {
        "total": total,
        "by_stage": [
            {"stage": stage, "label": STAGE_LABELS[stage], "count": by_stage[stage]}
            for stage in OPEN_STAGES
        ],
        # The most overdue first; the list behind the total has every task.
        "by_owner": owners,
        "owner_count": len(by_owner),
        "per_office": dict(per_office),
    }


def _top_people(counts: dict, limit: int) -> list[dict]:
    """The `limit` largest counts as rows with names, ordered by count (largest first),
    the unclaimed queue (owner None) after people with as many, then name. Names are read
    for those rows and every row tied with the last of them (one query), not for all: a
    national view has thousands."""
    if not counts:
        return []
    ranked = sorted(counts.values(), reverse=True)
    cutoff = ranked[min(limit, len(ranked)) - 1]
    candidates = [pk for pk, n in counts.items() if n >= cutoff]
    names = {
        pk: User.display_name(first, last, username)
        for pk, first, last, username in User.objects.filter(
            pk__in=[pk for pk in candidates if pk is not None]
        ).values_list("pk", "first_name", "last_name", "username")
    }
    rows = [
        {
            "owner_id": pk,
            "name": names.get(pk) if pk is not None else str(_("Unclaimed (in a team queue)")),
            "count": counts[pk],
        }
        for pk in candidates
    ]
    rows.sort(key=lambda r: (-r["count"], r["owner_id"] is None, r["name"]))
    return rows[:limit]


def escalation_figures(user: User, filters: DashboardFilters, now: datetime) -> dict:
    """Open "Review overdue case" tasks, per office and in all: one query."""
    rows = (
        _escalation_tasks(user, filters)
        .values("process__caseprocess__case__office_id")
        .annotate(n=Count("pk"), oldest=Min("created"))
        .order_by()
    )
    per_office, total, oldest = {}, 0, None
    for row in rows:
        per_office[row["process__caseprocess__case__office_id"]] = row["n"]
        total += row["n"]
        oldest = row["oldest"] if oldest is None else min(oldest, row["oldest"])
    return {
        "total": total,
        "oldest_wait": (now - oldest) if oldest else None,
        "per_office": per_office,
    }


def approval_figures(user: User, filters: DashboardFilters, now: datetime) -> dict:
    """Pending approvals: count, oldest and median wait: one query."""
    qs = _pending_approvals(user, filters)
    if connection.vendor == "postgresql":
        row = qs.aggregate(
            n=Count("pk"), oldest=Min("requested_at"), median=Median(Epoch(F("requested_at")))
        )
        median = (
            now - datetime.fromtimestamp(row["median"], tz=now.tzinfo)
            if row["median"] is not None
            else None
        )
    else:  # the embedded SQLite has no percentile_cont; a demo database is small
        times = list(qs.values_list("requested_at", flat=True))
        row = {"n": len(times), "oldest": min(times) if times else None}
        median = (
            timedelta(seconds=statistics.median((now - t).total_seconds() for t in times))
            if times
            else None
        )
    return {
        "total": row["n"],
        "oldest_wait": (now - row["oldest"]) if row["oldest"] else None,
        "median_wait": median,
    }


def approvals_per_office(user: User, filters: DashboardFilters, now: datetime) -> dict:
    rows = (
        _pending_approvals(user, filters)
        .values("office_id")
        .annotate(n=Count("pk"), oldest=Min("requested_at"))
        .order_by()
    )
    return {r["office_id"]: {"n": r["n"], "oldest_wait": now - r["oldest"]} for r in rows}


# --- the history figures: monthly sums and live rows ----------------------------------------


def _sla_summary_offices(user: User, filters: DashboardFilters):
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


def _stage_summary_usable(user: User, filters: DashboardFilters) -> bool:
    """Time in stage is summed for every office together: the national view, unfiltered."""
    return scope_for(user).all_offices and not (
        filters.office_id or filters.team_id or filters.risk or filters.category_id
    )


def summarised_months(filters: DashboardFilters) -> dict[int, tuple[date, date]]:
    """The summed periods that lie inside the range, in the current time zone, one a month
    (the longest): {DashboardMonth id: (month, until)}. One query (none when no month of
    the range starts inside it)."""
    months = []
    month = date(filters.date_from.year, filters.date_from.month, 1)
    if month < filters.date_from:
        month = add_months(month, 1)
    while month <= filters.date_to:
        months.append(month)
        month = add_months(month, 1)
    if not months:
        return {}
    longest: dict[date, tuple[int, date]] = {}
    for pk, month, until in DashboardMonth.objects.filter(
        zone=timezone.get_current_timezone_name(),
        month__in=months,
        until__lte=filters.date_to + timedelta(days=1),
    ).values_list("pk", "month", "until"):
        if month not in longest or until > longest[month][1]:
            longest[month] = (pk, until)
    return {pk: (month, until) for month, (pk, until) in longest.items()}


def _plan(filters: DashboardFilters, summed: dict[int, tuple[date, date]]):
    """Split the range: {period id: month key} read from the sums, and the [start, end)
    ranges left to read live (merged, in order)."""
    live, cursor = [], filters.start
    for month, until in sorted(summed.values()):
        start, end = _day_start(month), _day_start(until)
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
    offices = _sla_summary_offices(user, filters)
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
            _met_clocks(user, filters, live)
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
    months = defaultdict(lambda: [0, 0])
    offices = defaultdict(lambda: [0, 0])
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
        "total": _compliance(*total),
        "by_month": [{"month": key, **_compliance(*months[key])} for key in _months(filters)],
        "by_policy": sorted(
            (
                {"policy": p["policy"], "name": p["name"], **_compliance(*p["c"])}
                for p in policies.values()
            ),
            key=lambda p: (p["percent"] if p["percent"] is not None else 101, p["name"]),
        ),
        # For the national roll-up (complete only there: other views skip the office sums)
        "per_office": {pk: _compliance(*counts) for pk, counts in offices.items()}
        if shows_rollup(user, filters)
        else {},
    }


def _compliance(on_time: int, late: int) -> dict:
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
    keys, month = [], filters.date_from.replace(day=1)
    while month <= filters.date_to:
        keys.append(_month_key(month))
        month = add_months(month, 1)
    return keys


def caseload_figures(user: User, filters: DashboardFilters) -> dict:
    """Open cases owned per caseworker against their office's threshold: the counts (an
    index-only scan), the caseworkers' offices and names, and the small threshold table."""
    counts = dict(
        _open(scoped_cases(user, filters))
        .filter(owner__isnull=False)
        .values_list("owner_id")
        .annotate(n=Count("opened_at"))  # index-only, as above
        .order_by()
    )
    thresholds = dict(CaseloadThreshold.objects.values_list("office_id", "max_open_cases"))
    default = thresholds.get(None, DEFAULT_CASELOAD_THRESHOLD)
    caseworkers = []
    people = User.objects.values_list("pk", "home_office_id", "first_name", "last_name", "username")
    if len(counts) <= MAX_LISTED_IDS:
        people = people.filter(pk__in=list(counts))
    # else (a national view): every user in one scan beats a list of thousands of ids
    for pk, home_office_id, first, last, username in people:
        if pk not in counts:
            continue
        limit = thresholds.get(home_office_id, default)
        caseworkers.append(
            {
                "owner_id": pk,
                "name": User.display_name(first, last, username),
                "count": counts[pk],
                "threshold": limit,
                "over": counts[pk] > limit,
            }
        )
    caseworkers.sort(key=lambda r: (-r["count"], r["name"], r["owner_id"]))
    return {
        "caseworkers": caseworkers[:TOP_CASEWORKERS],
        "caseworker_count": len(caseworkers),
        "over_threshold": sum(1 for r in caseworkers if r["over"]),
        "default_threshold": default,
    }


def stage_time_figures(
    user: User, filters: DashboardFilters, summed: dict[int, tuple[date, date]] | None = None
) -> dict:
    """Average time in each stage over the stage changes in the range: the sums of whole
    summed months (national view) and one query over the rest."""
    periods, live = _plan(filters, (summed or {}) if _stage_summary_usable(user, filters) else {})
    found = defaultdict(lambda: [0, timedelta(0)])
    if periods:
        for r in DashboardMonthRow.objects.filter(
            period_id__in=periods, figure=SummaryFigure.STAGE_TIME
        ).values("key", "count", "duration"):
            found[r["key"]][0] += r["count"]
            found[r["key"]][1] += r["duration"] or timedelta(0)
    if live:
        for r in (
            _stage_exits(user, filters, live)
            .values("from_stage")
            .annotate(**stage_exit_sums())
            .order_by()
        ):
            found[r["from_stage"]][0] += r["n"]
            found[r["from_stage"]][1] += r["duration"] or timedelta(0)
    by_stage = []
    for stage in TIMED_STAGES:
        n, duration = found[stage] if stage in found else (0, None)
        by_stage.append(
            {
                "stage": stage,
                "label": STAGE_LABELS[stage],
                "count": n,
                "average": duration / n if n else None,
            }
        )
    return {"by_stage": by_stage}


def shows_rollup(user: User, filters: DashboardFilters) -> bool:
    """National managers and administrators see every office as a roll-up table."""
    return scope_for(user).all_offices and not filters.office_id


def rollup_figures(user: User, filters: DashboardFilters, now: datetime, figures: dict) -> list:
    """One row per office: key figures from the grouped queries above plus two more."""
    offices = list(visible_offices(user).values("pk", "name", "code").order_by("name"))
    sla = figures["sla"]["per_office"]
    approvals = approvals_per_office(user, filters, now)
    cases = figures["open_cases"]["per_office"]
    overdue_tasks = figures["overdue_tasks"]["per_office"]
    escalations = figures["escalations"]["per_office"]
    rows = []
    for office in offices:
        pk = office["pk"]
        counts = cases.get(pk, {"open": 0, "overdue_cases": 0, "old": 0})
        pending = approvals.get(pk, {"n": 0, "oldest_wait": None})
        rows.append(
            {
                "office_id": pk,
                "name": office["name"],
                "code": office["code"],
                "open": counts["open"],
                "overdue_cases": counts["overdue_cases"],
                "old": counts["old"],
                "overdue_tasks": overdue_tasks.get(pk, 0),
                "escalations": escalations.get(pk, 0),
                "approvals": pending["n"],
                "oldest_approval_wait": pending["oldest_wait"],
                "sla": sla.get(pk, _compliance(0, 0)),
            }
        )
    return rows


def dashboard_figures(user: User, filters: DashboardFilters | dict | None = None) -> dict:
    """Every figure of the dashboard for `user` (within their access scope) and `filters`.

    The public entry point: the page renders exactly this, and the benchmark times it.
    `filters` may be a DashboardFilters, a dict of its fields, or None (defaults: every
    office in scope, the last six months). Returns plain data (dicts, lists, numbers,
    timedeltas); 8 queries, 10 with the national roll-up, one more when whole months of
    the range may come from the monthly sums and one more for each figure that reads them.
    """
    filters = DashboardFilters.coerce(filters)
    now = timezone.now()
    summed = (
        summarised_months(filters)
        if _sla_summary_offices(user, filters) is not False or _stage_summary_usable(user, filters)
        else {}
    )
    figures = {
        "filters": filters,
        "now": now,
        "open_cases": open_cases_figures(user, filters, now),
        "overdue_tasks": overdue_task_figures(user, filters),
        "escalations": escalation_figures(user, filters, now),
        "approvals": approval_figures(user, filters, now),
        "sla": sla_figures(user, filters, summed),
        "caseload": caseload_figures(user, filters),
        "stage_time": stage_time_figures(user, filters, summed),
    }
    figures["rollup"] = (
        rollup_figures(user, filters, now, figures) if shows_rollup(user, filters) else None
    )
    return figures


# --- the cases behind a figure ------------------------------------------------------------


def _choice(value, allowed, message):
    if value not in allowed:
        raise FigureError(message)
    return value


def figure_condition(
    user: User, filters: DashboardFilters, figure: str, params: dict, now: datetime
) -> Q:
    """The filter on Case that selects the cases behind `figure` with `params`."""
    bad_stage = _("Unknown stage.")
    if figure == "open":
        return ~Q(stage=Stage.CLOSED)
    if figure == "open_stage":
        return Q(stage=_choice(params.get("stage"), OPEN_STAGES, bad_stage))
    if figure == "age":
        return ~Q(stage=Stage.CLOSED) & _age_q(params.get("bucket"), now)
    if figure == "overdue_cases":
        return ~Q(stage=Stage.CLOSED) & Q(is_overdue=True)
    if figure == "overdue_tasks":
        condition = Q()
        if params.get("stage"):
            condition &= Q(stage=_choice(params["stage"], OPEN_STAGES, bad_stage))
        return condition & Exists(_late_clocks(user, filters, figure, params))
    if figure == "caseload":
        return ~Q(stage=Stage.CLOSED) & Q(
            owner_id=_int(params.get("owner"), _("Unknown caseworker."))
        )
    if figure == "sla":
        clocks = _met_clocks(user, filters).filter(subject_id=OuterRef("pk"))
        if params.get("month"):
            start = _month_start(params["month"])
            clocks = clocks.filter(stopped_at__gte=start, stopped_at__lt=_next_month(start))
        if params.get("policy"):
            clocks = clocks.filter(policy__key=params["policy"])
        outcome = params.get("outcome")
        if outcome:
            late = _choice(outcome, ["on_time", "late"], _("Unknown outcome.")) == "late"
            clocks = clocks.filter(breached=late)
        return Exists(clocks)
    if figure == "stage_time":
        stage = _choice(params.get("stage"), TIMED_STAGES, bad_stage)
        exits = _stage_exits(user, filters).filter(from_stage=stage, case_id=OuterRef("pk"))
        return Exists(exits)
    if figure == "escalations":
        return Exists(
            _escalation_tasks(user, filters).filter(process__caseprocess__case=OuterRef("pk"))
        )
    if figure == "approvals":
        return Exists(_pending_approvals(user, filters).filter(subject_id=OuterRef("pk")))
    raise FigureError(_("Unknown figure."))


def _late_clocks(
    user: User, filters: DashboardFilters, figure: str, params: dict
) -> QuerySet[SlaClock]:
    """The breached deadlines that put a case (OuterRef "pk") in an overdue figure."""
    if figure == "overdue_tasks":
        clocks = _overdue_task_clocks(user, filters).filter(subject_id=OuterRef("pk"))
        owner = params.get("owner")
        if owner == "none":
            clocks = clocks.filter(task__owner__isnull=True)
        elif owner:
            clocks = clocks.filter(task__owner_id=_int(owner, _("Unknown caseworker.")))
        return clocks
    # overdue_cases: the same rule as Case.is_overdue (task_hooks.refresh_overdue)
    return SlaClock.objects.filter(
        case_clocks_q(),
        subject_id=OuterRef("pk"),
        status__in=[ClockStatus.RUNNING, ClockStatus.PAUSED],
        breached=True,
    )


def _int(value, message) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise FigureError(message) from None


def _month_start(value: str) -> datetime:
    try:
        year, month = (int(part) for part in value.split("-"))
        return _day_start(date(year, month, 1))
    except (ValueError, TypeError):
        raise FigureError(_("Unknown month.")) from None


def _next_month(start: datetime) -> datetime:
    return _day_start(add_months(start.date(), 1))


def figure_cases(
    user: User, filters: DashboardFilters | dict | None, figure: str, params: dict
) -> QuerySet[Case]:
    """The cases behind one figure, within the user's scope and filters, oldest first
    (the overdue figures: most late first, with `overdue_since`, the breached due time).

    Raises FigureError for an unknown figure or value. The page and both exports use
    this same queryset, so they list the same rows in the same order.
    """
    filters = DashboardFilters.coerce(filters)
    condition = figure_condition(user, filters, figure, params, timezone.now())
    cases = scoped_cases(user, filters).filter(condition)
    if figure in LATE_FIGURES:
        # How late each case is: its earliest breached deadline behind the figure, one
        # correlated subquery (index sla_clock_subject), most late first.
        earliest = _late_clocks(user, filters, figure, params).order_by("due_at").values("due_at")
        return cases.annotate(overdue_since=Subquery(earliest[:1])).order_by(
            F("overdue_since").asc(nulls_last=True), "opened_at", "pk"
        )
    return cases.order_by("opened_at", "pk")


EXPORT_FIELDS = (
    "reference",
    "person__given_name",
    "person__family_name",
    "stage",
    "risk",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "opened_at",
    "is_overdue",
)


def office_choices(user: User) -> QuerySet[Office]:
    return visible_offices(user).order_by("name")
