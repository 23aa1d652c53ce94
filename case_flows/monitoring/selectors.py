"""The manager dashboard's figures: plain-data reads over the user's access scope.

Every figure is one query (conditional aggregation and GROUP BY), always restricted by
`accounts.scope.scope_q` (through `cases_visible_to` or the same rule on the case's
columns), so a supervisor sees their teams, an office manager their office and a national
manager or administrator every office. `dashboard_figures(user, filters)` is the public
entry point (the page and the benchmark call it); `drilldown.figure_cases(user, filters,
figure, params)` is the list of cases behind any one figure (figures.FIGURES names them).

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
`monitoring.history` for every whole month of the range that has been summed
(deadline compliance when the scope is whole offices and no team, risk or category filter
is set; time in stage for the national view without filters) and the rows themselves for
the rest, so they are exact either way. The figures of the state now read covering partial
indexes (index-only scans): see docs/dashboard.md.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import User
from accounts.scope import scope_for, visible_offices
from workflows.approvals.models import Approval, ApprovalStatus
from workflows.sla.models import SlaClock
from workflows.sla.units import ClockKind, ClockStatus

from ..cases.selectors import OPEN_TASK_STATUSES
from ..flows import CaseFlow
from ..models import DEFAULT_CASELOAD_THRESHOLD, OPEN_STAGES, Case, CaseloadThreshold
from .filters import (
    STAGE_LABELS,
    DashboardFilters,
    FigureError,
    case_scope_q,
    exclude_closed,
    scoped_cases,
    shows_rollup,
)
from .history import (
    case_clocks_q,
    compliance,
    sla_figures,
    sla_summary_offices,
    stage_summary_usable,
    stage_time_figures,
    summarised_months,
)

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


# --- the state now: queries -----------------------------------------------------------------


def case_human_tasks() -> QuerySet[Task]:
    return Task.objects.filter(flow_task_type="HUMAN", process__flow_class=CaseFlow)


def overdue_task_clocks(user: User, filters: DashboardFilters) -> QuerySet[SlaClock]:
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


def escalation_tasks(user: User, filters: DashboardFilters) -> QuerySet[Task]:
    return (
        case_human_tasks()
        .filter(flow_task=CaseFlow.review_overdue, status__in=[STATUS.NEW, STATUS.ASSIGNED])
        .filter(case_scope_q(user, filters, "process__caseprocess__case__"))
    )


def pending_approvals(user: User, filters: DashboardFilters) -> QuerySet[Approval]:
    in_scope = Case.objects.filter(case_scope_q(user, filters), pk=OuterRef("subject_id"))
    return Approval.objects.filter(
        status=ApprovalStatus.PENDING,
        subject_type__app_label="case_flows",
        subject_type__model="case",
    ).filter(Exists(in_scope))


class Median(Aggregate):
    """PostgreSQL's percentile_cont(0.5): the median of a numeric expression."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class Epoch(Func):
    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def age_q(key: str, now: datetime, prefix: str = "") -> Q:
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
        aggregates[f"age_{key}"] = Count("opened_at", filter=age_q(key, now))
    rows = list(
        exclude_closed(scoped_cases(user, filters))
        .values("office_id", "stage")
        .annotate(**aggregates)
        .order_by()
    )
    by_stage: defaultdict[str, int] = defaultdict(int)
    ages: defaultdict[str, int] = defaultdict(int)
    per_office: defaultdict[int, dict[str, int]] = defaultdict(
        lambda: {"open": 0, "overdue_cases": 0, "old": 0}
    )
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
        overdue_task_clocks(user, filters)
        .annotate(stage=Subquery(case_stage[:1]))
        .values_list("office_id", "stage", "task__owner_id")
        .annotate(n=Count("task_id", distinct=True))
        .order_by()
    )
    by_stage: defaultdict[str | None, int] = defaultdict(int)
    by_owner: defaultdict[int | None, int] = defaultdict(int)  # None: the unclaimed queue
    per_office: defaultdict[int, int] = defaultdict(int)
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
        escalation_tasks(user, filters)
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
    qs = pending_approvals(user, filters)
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
        pending_approvals(user, filters)
        .values("office_id")
        .annotate(n=Count("pk"), oldest=Min("requested_at"))
        .order_by()
    )
    return {r["office_id"]: {"n": r["n"], "oldest_wait": now - r["oldest"]} for r in rows}


def caseload_figures(user: User, filters: DashboardFilters) -> dict:
    """Open cases owned per caseworker against their office's threshold: the counts (an
    index-only scan), the caseworkers' offices and names, and the small threshold table."""
    counts = dict(
        exclude_closed(scoped_cases(user, filters))
        .filter(owner__isnull=False)
        .values_list("owner_id")
        .annotate(n=Count("opened_at"))  # index-only, as above
        .order_by()
    )
    # office id (None: the default for every office) -> threshold
    thresholds: dict[int | None, int] = dict(
        CaseloadThreshold.objects.values_list("office_id", "max_open_cases")
    )
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
                "sla": sla.get(pk, compliance(0, 0)),
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
        if sla_summary_offices(user, filters) is not False or stage_summary_usable(user, filters)
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
