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
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Office, User
from accounts.scope import scope_for, scope_q, visible_offices
from workflows.approvals.models import Approval, ApprovalStatus
from workflows.sla.models import SlaClock
from workflows.sla.units import ClockKind, ClockStatus

from .dashboard_models import DEFAULT_CASELOAD_THRESHOLD, CaseloadThreshold
from .flows import CaseFlow
from .models import OPEN_STAGES, Case, CaseEvent, Stage
from .selectors import OPEN_TASK_STATUSES, cases_visible_to

DEFAULT_MONTHS = 6
MAX_RANGE_DAYS = 731
TOP_CASEWORKERS = 25

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
    year, month = today.year, today.month - (DEFAULT_MONTHS - 1)
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, 1), today


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


def _case_clocks_q() -> Q:
    # Through the content type's natural key: no ContentType lookup query, no cache state.
    return Q(subject_type__app_label="case_flows", subject_type__model="case")


def _breached_task_clock():
    return SlaClock.objects.filter(
        task_id=OuterRef("pk"),
        kind=ClockKind.TASK,
        status=ClockStatus.RUNNING,
        breached=True,
    )


def _case_tasks() -> QuerySet[Task]:
    return Task.objects.filter(flow_task_type="HUMAN", process__flow_class=CaseFlow)


def _overdue_tasks(user: User, filters: DashboardFilters) -> QuerySet[Task]:
    return (
        _case_tasks()
        .filter(
            status__in=OPEN_TASK_STATUSES,
            # Implied by a breached running clock (refresh_overdue); lets the plan start
            # from the small partial index of overdue cases.
            process__caseprocess__case__is_overdue=True,
        )
        .filter(case_scope_q(user, filters, "process__caseprocess__case__"))
        .filter(Exists(_breached_task_clock()))
    )


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


def _met_clocks(user: User, filters: DashboardFilters) -> QuerySet[SlaClock]:
    return SlaClock.objects.filter(
        _case_clocks_q(),
        _clock_scope_q(user, filters),
        status=ClockStatus.MET,
        stopped_at__gte=filters.start,
        stopped_at__lt=filters.end,
    )


_STAGE_CHANGE = ~Q(to_stage="") & ~Q(to_stage=F("from_stage"))


def _stage_exits(user: User, filters: DashboardFilters) -> QuerySet[CaseEvent]:
    """Stage changes in the date range that leave an open stage, with when it was entered."""
    return (
        CaseEvent.objects.filter(
            _STAGE_CHANGE,
            created_at__gte=filters.start,
            created_at__lt=filters.end,
            from_stage__in=TIMED_STAGES,
        )
        .filter(case_scope_q(user, filters, "case__"))
        # Written by fire_transition (migration 0006 filled in the older events): reading
        # it avoids a lookup of the entry event per row.
        .annotate(entered_at=F("stage_entered_at"))
    )


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
    aggregates = {
        "total": Count("pk"),
        "overdue": Count("pk", filter=Q(is_overdue=True)),
    }
    for key in AGE_KEYS:
        aggregates[f"age_{key}"] = Count("pk", filter=_age_q(key, now))
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
    """Overdue tasks by the case's stage and by assignee (and office): one query."""
    rows = (
        _overdue_tasks(user, filters)
        .values(
            "process__caseprocess__case__office_id",
            "process__caseprocess__case__stage",
            "owner_id",
            "owner__first_name",
            "owner__last_name",
            "owner__username",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_stage = defaultdict(int)
    by_owner: dict = {}
    per_office = defaultdict(int)
    total = 0
    for row in rows:
        n = row["n"]
        total += n
        by_stage[row["process__caseprocess__case__stage"]] += n
        per_office[row["process__caseprocess__case__office_id"]] += n
        owner = row["owner_id"]
        if owner not in by_owner:
            by_owner[owner] = {"owner_id": owner, "name": _person_name(row, "owner__"), "count": 0}
        by_owner[owner]["count"] += n
    return {
        "total": total,
        "by_stage": [
            {"stage": stage, "label": STAGE_LABELS[stage], "count": by_stage[stage]}
            for stage in OPEN_STAGES
        ],
        "by_owner": sorted(
            by_owner.values(), key=lambda r: (-r["count"], r["owner_id"] is None, r["name"])
        ),
        "per_office": dict(per_office),
    }


def _person_name(row: dict, prefix: str) -> str:
    if row.get(f"{prefix}username") is None:
        return str(_("Unclaimed (in a team queue)"))
    full = f"{row[prefix + 'first_name']} {row[prefix + 'last_name']}".strip()
    return full or row[f"{prefix}username"]


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


def sla_figures(user: User, filters: DashboardFilters) -> dict:
    """Compliance per month and per policy over met clocks in the range: one query."""
    rows = (
        _met_clocks(user, filters)
        .annotate(month=TruncMonth("stopped_at"))
        # by office too: the national roll-up reads its column from the same pass
        .values("office_id", "month", "policy__key")
        .annotate(
            name=Max("policy__name"),
            on_time=Count("pk", filter=Q(breached=False)),
            late=Count("pk", filter=Q(breached=True)),
        )
        .order_by()
    )
    months = defaultdict(lambda: [0, 0])
    offices = defaultdict(lambda: [0, 0])
    policies: dict = {}
    total = [0, 0]
    for row in rows:
        offices[row["office_id"]][0] += row["on_time"]
        offices[row["office_id"]][1] += row["late"]
        key = _month_key(row["month"])
        months[key][0] += row["on_time"]
        months[key][1] += row["late"]
        policy = policies.setdefault(
            row["policy__key"], {"policy": row["policy__key"], "name": row["name"], "c": [0, 0]}
        )
        policy["c"][0] += row["on_time"]
        policy["c"][1] += row["late"]
        total[0] += row["on_time"]
        total[1] += row["late"]
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
        "per_office": {pk: _compliance(*counts) for pk, counts in offices.items()},
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
    year, month = filters.date_from.year, filters.date_from.month
    keys = []
    while (year, month) <= (filters.date_to.year, filters.date_to.month):
        keys.append(f"{year:04d}-{month:02d}")
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return keys


def caseload_figures(user: User, filters: DashboardFilters) -> dict:
    """Open cases owned per caseworker against their office's threshold: one query (and
    one for the small threshold table)."""
    rows = (
        _open(scoped_cases(user, filters))
        .filter(owner__isnull=False)
        .values(
            "owner_id",
            "owner__first_name",
            "owner__last_name",
            "owner__username",
            "owner__home_office_id",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    thresholds = dict(CaseloadThreshold.objects.values_list("office_id", "max_open_cases"))
    default = thresholds.get(None, DEFAULT_CASELOAD_THRESHOLD)
    caseworkers = []
    for row in rows:
        limit = thresholds.get(row["owner__home_office_id"], default)
        caseworkers.append(
            {
                "owner_id": row["owner_id"],
                "name": _person_name(row, "owner__"),
                "count": row["n"],
                "threshold": limit,
                "over": row["n"] > limit,
            }
        )
    caseworkers.sort(key=lambda r: (-r["count"], r["name"], r["owner_id"]))
    return {
        "caseworkers": caseworkers[:TOP_CASEWORKERS],
        "caseworker_count": len(caseworkers),
        "over_threshold": sum(1 for r in caseworkers if r["over"]),
        "default_threshold": default,
    }


def stage_time_figures(user: User, filters: DashboardFilters) -> dict:
    """Average time in each stage over the stage changes in the range: one query."""
    rows = (
        _stage_exits(user, filters)
        .filter(entered_at__isnull=False)
        .values("from_stage")
        .annotate(
            n=Count("pk"),
            average=Avg(
                ExpressionWrapper(F("created_at") - F("entered_at"), output_field=DurationField())
            ),
        )
        .order_by()
    )
    found = {r["from_stage"]: r for r in rows}
    return {
        "by_stage": [
            {
                "stage": stage,
                "label": STAGE_LABELS[stage],
                "count": found[stage]["n"] if stage in found else 0,
                "average": found[stage]["average"] if stage in found else None,
            }
            for stage in TIMED_STAGES
        ]
    }


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
    timedeltas); 8 queries, 10 with the national roll-up.
    """
    filters = DashboardFilters.coerce(filters)
    now = timezone.now()
    figures = {
        "filters": filters,
        "now": now,
        "open_cases": open_cases_figures(user, filters, now),
        "overdue_tasks": overdue_task_figures(user, filters),
        "escalations": escalation_figures(user, filters, now),
        "approvals": approval_figures(user, filters, now),
        "sla": sla_figures(user, filters),
        "caseload": caseload_figures(user, filters),
        "stage_time": stage_time_figures(user, filters),
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
        tasks = _overdue_tasks(user, filters).filter(process__caseprocess__case=OuterRef("pk"))
        condition = Q()
        if params.get("stage"):
            condition &= Q(stage=_choice(params["stage"], OPEN_STAGES, bad_stage))
        owner = params.get("owner")
        if owner == "none":
            tasks = tasks.filter(owner__isnull=True)
        elif owner:
            tasks = tasks.filter(owner_id=_int(owner, _("Unknown caseworker.")))
        return condition & Exists(tasks)
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
        return Exists(exits.filter(entered_at__isnull=False))
    if figure == "escalations":
        return Exists(
            _escalation_tasks(user, filters).filter(process__caseprocess__case=OuterRef("pk"))
        )
    if figure == "approvals":
        return Exists(_pending_approvals(user, filters).filter(subject_id=OuterRef("pk")))
    raise FigureError(_("Unknown figure."))


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
    day = start.date()
    return _day_start(date(day.year + day.month // 12, day.month % 12 + 1, 1))


def figure_cases(
    user: User, filters: DashboardFilters | dict | None, figure: str, params: dict
) -> QuerySet[Case]:
    """The cases behind one figure, within the user's scope and filters, oldest first.

    Raises FigureError for an unknown figure or value. The page and both exports use
    this same queryset, so they list the same rows in the same order.
    """
    filters = DashboardFilters.coerce(filters)
    condition = figure_condition(user, filters, figure, params, timezone.now())
    return scoped_cases(user, filters).filter(condition).order_by("opened_at", "pk")


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
