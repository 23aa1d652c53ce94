"""Reads that matter: the inbox and team queue, case search, the case page, approvals.

Every list goes through the access scope, loads its rows with a fixed number of queries
whatever their number (query-count tests guard this), and pages at PAGE_SIZE.
"""

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case as When_
from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import User
from accounts.scope import scope_for, scope_q
from workflows.approvals.models import Approval, ApprovalStatus
from workflows.lookups import AnyOf
from workflows.sla.models import SlaClock
from workflows.sla.units import ClockStatus

from ..cases.selectors import (
    OPEN_TASK_STATUSES,
    cases_visible_to,
    cases_workable_by,
    open_case_tasks,
)
from ..flows import CaseFlow
from ..models import (
    Assessment,
    Case,
    CasePlan,
    CaseProcess,
    Closure,
    Decision,
    Stage,
)
from ..restriction import hidden_restricted_q, on_access_list_q, visible_q
from ..text import fold

_earliest_due = (
    SlaClock.objects.filter(task=OuterRef("pk"), status=ClockStatus.RUNNING)
    .order_by("due_at")
    .values("due_at")[:1]
)
RISK_RANK = When_(
    When(process__caseprocess__case__risk="high", then=Value(0)),
    When(process__caseprocess__case__risk="medium", then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _task_scope(user: User) -> Q:
    return scope_q(
        user,
        office="process__caseprocess__case__office",
        team="process__caseprocess__case__team",
        owner="process__caseprocess__case__owner",
    )


def _task_scope_or_own(user: User) -> Q:
    """Tasks in the user's scope or given to them; of a restricted case, only for its access
    list. An unrestricted scope is an empty Q, and `Q() | x` is `x` alone: it must stay
    unrestricted instead."""
    if scope_for(user).all_offices:
        return visible_q(user, Q(), f"{_CASE}__")
    return visible_q(user, _task_scope(user) | Q(owner=user), f"{_CASE}__")


def _user_permissions(user: User) -> set[str]:
    """The user's permissions, kept on the user object for the rest of the request."""
    cached: set[str] | None = getattr(user, "_task_perms", None)
    if cached is None:
        cached = set(user.get_all_permissions())
        user._task_perms = cached  # type: ignore[attr-defined]
    return cached


def my_tasks_q(user: User) -> Q:
    """Tasks given to the user; of a restricted case only while they are on its list."""
    return Q(owner=user) & visible_q(user, Q(), f"{_CASE}__")


def queue_process_ids(user: User) -> list[int]:
    """The processes of the open cases whose queue this user works: their teams' and their
    office's (a national manager's queue is their own office's, as for everyone: "unclaimed
    tasks my role may take in my office"). Loaded once per request from the case indexes;
    the queue then reaches tasks by process id. Left to the planner, PostgreSQL would scan
    every unclaimed task in the country and check each one's case (0.5 s at 1M cases).
    Pages that need it twice load it once and pass it on (never cached on the user: cases
    move between offices).

    Two arms in one UNION ALL: unrestricted cases by the scope's indexes, and the open
    restricted cases by their access list (the partial index `case_restricted_open`). As one
    OR, the planner drove it by every restricted case in the country, closed ones included
    (20,000 row visits, 70 ms at 1M cases)."""
    cases = Case.objects.exclude(stage=Stage.CLOSED)
    if scope_for(user).all_offices:
        scope = Q(office_id=user.home_office_id) if user.home_office_id else Q()
    else:
        scope = scope_q(user, office="office", team="team", owner="owner")
    unrestricted = cases.filter(Q(is_restricted=False) & scope).order_by().values("pk")
    restricted = (
        cases.filter(Q(is_restricted=True) & on_access_list_q(user)).order_by().values("pk")
    )
    return list(
        CaseProcess.objects.filter(case__in=unrestricted.union(restricted, all=True))
        .order_by()
        .values_list("pk", flat=True)
    )


def team_queue_q(user: User, process_ids: list[int] | None = None) -> Q:
    """Unclaimed tasks whose permission this user holds, in their queue, not their own request."""
    perms = [p for p in _user_permissions(user) if p.startswith("case_flows.")]
    if process_ids is None:
        process_ids = queue_process_ids(user)
    return (
        Q(owner__isnull=True, status=STATUS.NEW, owner_permission__in=perms)
        & Q(AnyOf(F("process_id"), process_ids))
        & ~Q(approval__requested_by=user)
    )


# The inbox's sort keys (the `sort` URL parameter), each an index-friendly order on columns
# the page already joins; "-" reverses. "due" (the default) puts overdue work first. For
# risk, "-risk" is highest first (descending risk).
INBOX_SORTS = ("due", "-due", "risk", "-risk", "case", "-case", "client", "-client")
_DUE_ASC = F("due_at").asc(nulls_last=True)
_CASE = "process__caseprocess__case"
_INBOX_ORDER: dict[str, list[Any]] = {
    "due": [f"-{_CASE}__is_overdue", _DUE_ASC, "risk_rank", "created", "pk"],
    "-due": [F("due_at").desc(nulls_last=True), "-created", "-pk"],
    "-risk": ["risk_rank", _DUE_ASC, "pk"],
    "risk": ["-risk_rank", _DUE_ASC, "pk"],
    "case": [f"{_CASE}__reference", "pk"],
    "-case": [f"-{_CASE}__reference", "-pk"],
    "client": [f"{_CASE}__person__search_name", f"{_CASE}__reference", "pk"],
    "-client": [f"-{_CASE}__person__search_name", f"-{_CASE}__reference", "-pk"],
}


def _search_q(query: str) -> Q:
    """A case reference (or its start) or part of the client's name, accent-insensitive."""
    condition = Q(**{f"{_CASE}__reference__istartswith": query})
    folded = fold(query)
    if folded:
        condition |= Q(**{f"{_CASE}__person__search_name__contains": folded})
    return condition


def _filtered(
    qs: QuerySet[Task], *, risk=None, stage=None, overdue=None, node=None, search=None
) -> QuerySet[Task]:
    if risk:
        qs = qs.filter(**{f"{_CASE}__risk": risk})
    if stage:
        qs = qs.filter(**{f"{_CASE}__stage": stage})
    if overdue:
        qs = qs.filter(**{f"{_CASE}__is_overdue": True})
    if node:
        # flow_task is stored as "<flow path>.<node>": an equality the open-task indexes serve.
        qs = qs.filter(flow_task=getattr(CaseFlow, node))
    search = (search or "").strip()
    if search:
        qs = qs.filter(_search_q(search))
    return qs


def inbox_tasks(
    user: User,
    *,
    tab: str = "mine",
    sort: str = "due",
    process_ids: list[int] | None = None,
    **criteria: Any,
) -> QuerySet[Task]:
    """Tasks for the inbox tab ('mine' or 'queue'), filtered (risk, stage, overdue, node,
    search) and in the chosen order (INBOX_SORTS; most urgent first by default), rows ready
    to render."""
    condition = my_tasks_q(user) if tab == "mine" else team_queue_q(user, process_ids)
    qs = _filtered(open_case_tasks().filter(condition), **criteria)
    return (
        qs.select_related(
            f"{_CASE}__person",
            f"{_CASE}__owner",
            "owner",
        )
        .annotate(risk_rank=RISK_RANK, due_at=Subquery(_earliest_due))
        .order_by(*_INBOX_ORDER.get(sort, _INBOX_ORDER["due"]))
    )


def attach_deadlines(tasks: Iterable[Task]) -> None:
    """Give each task on a page its most urgent running deadline (one query per page)."""
    tasks = list(tasks)
    clocks = (
        SlaClock.objects.filter(
            task_id__in=[t.pk for t in tasks],
            status__in=[ClockStatus.RUNNING, ClockStatus.PAUSED],
        )
        .select_related("policy")
        .order_by("due_at")
    )
    first: dict[int | None, SlaClock] = {}
    for clock in clocks:
        first.setdefault(clock.task_id, clock)
    now = timezone.now()
    for task in tasks:
        deadline = first.get(task.pk)
        task.deadline = deadline  # type: ignore[attr-defined]  # shown by the inbox row
        # Past due shows as overdue at once, before the next sweep records the breach.
        task.deadline_overdue = bool(  # type: ignore[attr-defined]  # shown by the inbox row
            deadline and (deadline.breached or deadline.due_at < now)
        )


def task_deadlines(task: Task) -> list[SlaClock]:
    """The task's running or paused deadlines (to do it; to claim it while unclaimed),
    soonest first, for the task page."""
    clocks = list(
        SlaClock.objects.filter(task=task, status__in=[ClockStatus.RUNNING, ClockStatus.PAUSED])
        .select_related("policy", "office")
        .order_by("due_at", "pk")
    )
    now = timezone.now()
    for clock in clocks:
        clock.overdue = clock.breached or clock.due_at < now  # type: ignore[attr-defined]
    return clocks


def next_task_on_case(user: User, case: Case) -> Task | None:
    """The user's next open task on this case (after they complete one), if any."""
    return (
        open_case_tasks()
        .filter(process__caseprocess__case=case, owner=user)
        .order_by("created", "pk")
        .first()
    )


# A national queue holds tens of thousands of tasks: past this the tab says "1000+".
QUEUE_COUNT_CAP = 1000


def inbox_counts(
    user: User, *, process_ids: list[int] | None = None, **criteria: Any
) -> dict[str, int | bool]:
    """The tab counts under the same filters as the list (see `_filtered`): two index-driven
    queries (one count over the whole table costs seconds at national scale); the queue
    count stops at QUEUE_COUNT_CAP."""
    mine = _filtered(open_case_tasks().filter(my_tasks_q(user)), **criteria).count()
    queue = (
        _filtered(open_case_tasks().filter(team_queue_q(user, process_ids)), **criteria)
        .order_by()
        .values("pk")[: QUEUE_COUNT_CAP + 1]
        .count()
    )
    return {
        "mine": mine,
        "queue": min(queue, QUEUE_COUNT_CAP),
        "queue_more": queue > QUEUE_COUNT_CAP,
    }


def task_for_user(user: User, task_id: int) -> Task | None:
    """A task of a case the user may see (else None: the page answers 404)."""
    return (
        _case_tasks_any_status()
        .filter(_task_scope_or_own(user), pk=task_id)
        .select_related("process__caseprocess__case__person", "owner")
        .first()
    )


def _case_tasks_any_status() -> QuerySet[Task]:
    return Task.objects.filter(flow_task_type="HUMAN", process__flow_class=CaseFlow)


# A returned piece of work comes back along the flow's edges: approval task -> If node ->
# "return" Function node -> the revision task (assess, plan, or follow_up for a closure).
_REVISION_TASK = "task__leading__leading__leading"


def returns_for_tasks(task_ids: Iterable[int]) -> dict[int, Approval]:
    """{task id: the decision that returned the work to it}, for tasks that are revisions of
    returned work; one query whatever the number of tasks."""
    task_ids = list(task_ids)
    if not task_ids:
        return {}
    approvals = (
        Approval.objects.filter(
            status=ApprovalStatus.RETURNED, **{f"{_REVISION_TASK}__in": task_ids}
        )
        .annotate(revision_task_id=F(_REVISION_TASK))
        .select_related("decided_by")
    )
    return {approval.revision_task_id: approval for approval in approvals}


def return_for_revision_of(task: Task) -> Approval | None:
    """The decision that sent this task back, if it was returned, for the task page."""
    return returns_for_tasks([task.pk]).get(task.pk)


def attach_returns(tasks: Iterable[Task]) -> None:
    """Mark each task on a page that came back for revision (`task.returned`), one query."""
    tasks = list(tasks)
    returns = returns_for_tasks(t.pk for t in tasks)
    for task in tasks:
        task.returned = returns.get(task.pk)  # type: ignore[attr-defined]  # shown by the inbox row


def approvals_pending_for(user: User) -> QuerySet[Approval]:
    """The supervisor's approvals page: pending requests they may decide, oldest first."""
    ct = ContentType.objects.get_for_model(Case)
    visible_cases = cases_visible_to(user).values("pk")
    hidden_restricted = Case.objects.filter(hidden_restricted_q(user)).values("pk")
    return (
        Approval.objects.filter(
            status=ApprovalStatus.PENDING,
            subject_type=ct,
            task__status__in=OPEN_TASK_STATUSES,
        )
        .filter(
            # In the team queue of a case the user sees, or routed to them (a deputy), never
            # of a restricted case whose list they are not on (restricted cases are few).
            Q(task__owner__isnull=True, subject_id__in=visible_cases)
            | (Q(task__owner=user) & ~Q(subject_id__in=hidden_restricted))
        )
        .exclude(requested_by=user)
        .select_related("requested_by", "task__owner", "office")
        .order_by("requested_at", "pk")
    )


def attach_cases(approvals: Iterable[Approval]) -> list[Approval]:
    """Load the cases behind a page of approvals in one query."""
    approvals = list(approvals)
    cases = Case.objects.select_related("person").in_bulk([a.subject_id for a in approvals])
    for approval in approvals:
        approval.case = cases.get(approval.subject_id)  # type: ignore[attr-defined]  # for the row
        approval.waited = timezone.now() - approval.requested_at  # type: ignore[attr-defined]
    return approvals


def approval_for_user(user: User, approval_id: int) -> Approval | None:
    """An approval on a case the user may see (else None: the page answers 404), case attached."""
    ct = ContentType.objects.get_for_model(Case)
    approval = (
        Approval.objects.filter(
            pk=approval_id, subject_type=ct, subject_id__in=cases_workable_by(user).values("pk")
        )
        .select_related("requested_by", "decided_by", "task__owner")
        .first()
    )
    if approval is not None:
        approval.case = (  # type: ignore[attr-defined]
            Case.objects.select_related("person", "office", "team", "owner", "category")
            .filter(pk=approval.subject_id)
            .first()
        )
    return approval


def approval_record(approval: Approval) -> Assessment | CasePlan | Closure | Decision | None:
    """The record submitted for approval: an Assessment, a CasePlan (goals, actions) or Closure."""
    if approval.kind == "plan":
        return (
            CasePlan.objects.filter(pk=approval.record_id)
            .select_related("form_version")
            .prefetch_related("goals", "actions")
            .first()
        )
    if approval.kind == "assessment":
        return (
            Assessment.objects.filter(pk=approval.record_id).select_related("form_version").first()
        )
    if approval.kind == "closure":
        return Closure.objects.filter(pk=approval.record_id).select_related("form_version").first()
    if approval.kind == "decision":
        return (
            Decision.objects.filter(pk=approval.record_id)
            .select_related("kind", "prepared_by", "approved_by", "document")
            .first()
        )
    return None
