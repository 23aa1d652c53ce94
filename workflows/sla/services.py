"""Writes of the SLA engine: open, stop, pause, resume, retarget and reassign clocks.

The case pipeline calls these; they know the subject only as a model instance with an
office, a team, an owner, a risk level and a category code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task

from accounts.models import Office, Team, User
from config.compiled import CompiledQuery, Record, insert

from ..completion import recalled, remember
from .calendar import Calendar, calendar_for_office, clear_calendar_cache
from .models import SlaClock, SlaPause, SlaPolicy
from .timing import compute_due, compute_warn, next_step
from .units import ClockKind, ClockStatus, PauseReason, PolicyStatus

OPEN_STATUSES = (ClockStatus.RUNNING, ClockStatus.PAUSED)


class SlaError(ValidationError):
    """A refused SLA operation; the message is translated and safe to show."""


class _Unset:
    def __repr__(self):
        return "UNSET"


UNSET = _Unset()


# --- policies ------------------------------------------------------------------------
def policy_match(
    *, office: Office, category: str, risk: str, kind: str, name: str, on: date | None = None
) -> SlaPolicy | None:
    """The first current policy (by `order`) whose scope covers this clock, or None.

    Confirmed policies always apply; drafts apply too unless SLA_DRAFT_POLICIES_APPLY
    is off (they are labelled unverified wherever they are shown).
    """
    on = on or timezone.localdate()
    statuses = [PolicyStatus.CONFIRMED]
    if getattr(settings, "SLA_DRAFT_POLICIES_APPLY", True):
        statuses.append(PolicyStatus.DRAFT)
    return (
        SlaPolicy.objects.filter(
            is_current=True,
            status__in=statuses,
            kind=kind,
            node_name__in={name or "", ""},
            category__in={category or "", ""},
            risk__in={risk or "", ""},
            effective_from__lte=on,
        )
        .filter(Q(jurisdiction="") | Q(jurisdiction=office.jurisdiction))
        .filter(Q(office__isnull=True) | Q(office=office))
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("order", "pk")
        .first()
    )


@transaction.atomic
def sla_policy_revise(*, policy: SlaPolicy, changes: dict, actor: User | None = None) -> SlaPolicy:
    """Apply `changes` to a policy; a version some clock uses is copied, never edited.

    Returns the row that now carries the changes (the same row, or the new version).
    """
    policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
    timing_change = any(
        field in SlaPolicy.TIMING_FIELDS and getattr(policy, _attname(field)) != value
        for field, value in changes.items()
    )
    if timing_change and not policy.is_current:
        raise SlaError(_("Only the current version of a policy can be changed."))
    if timing_change and policy.in_use:
        SlaPolicy.objects.filter(pk=policy.pk).update(is_current=False)
        new = SlaPolicy.objects.get(pk=policy.pk)
        new.pk = None
        new.is_current = True
        new.version = (
            max(SlaPolicy.objects.filter(key=policy.key).values_list("version", flat=True)) + 1
        )
        new.confirmed_by, new.confirmed_at, new.in_use = None, None, False
        new.status = PolicyStatus.DRAFT
        target = new
    else:
        target = policy
    for field, value in changes.items():
        setattr(target, _attname(field), value)
    if "status" in changes and changes["status"] == PolicyStatus.CONFIRMED:
        target.confirmed_by, target.confirmed_at = actor, timezone.now()
    target.full_clean(exclude=["key"] if target.pk is None else None)
    target.save()
    return target


def _attname(field: str) -> str:
    return "office_id" if field == "office" else field


@transaction.atomic
def sla_policies_confirm(*, policies: Iterable[SlaPolicy], actor: User) -> int:
    """An administrator confirms draft (unverified) policies."""
    ids = [p.pk for p in policies]
    return SlaPolicy.objects.filter(pk__in=ids, status=PolicyStatus.DRAFT).update(
        status=PolicyStatus.CONFIRMED, confirmed_by=actor, confirmed_at=timezone.now()
    )


def sla_calendar_changed() -> None:
    """Call after editing calendars or closure days so new times use them at once."""
    clear_calendar_cache()


# --- clocks --------------------------------------------------------------------------
def _subject_key(subject) -> tuple[ContentType, int]:
    return ContentType.objects.get_for_model(subject), subject.pk


def _schedule(clock: SlaClock, calendar: Calendar, pauses) -> None:
    """Set due_at, warn_at and the next step's time from the start, pauses and policy."""
    policy = clock.policy
    due = compute_due(
        calendar=calendar,
        started_at=clock.started_at,
        amount=policy.target_amount,
        unit=policy.target_unit,
        pauses=pauses,
    )
    warn = compute_warn(started_at=clock.started_at, due_at=due, warn_percent=policy.warn_percent)
    if clock.breached and clock.due_at and due > clock.due_at:
        # a breached clock is never extended
        due, warn = clock.due_at, min(warn, clock.warn_at or warn)
    clock.due_at, clock.warn_at = due, warn
    clock.next_step, clock.next_step_at = next_step(
        policy.ladder,
        clock.escalation_level + 1,
        calendar=calendar,
        warn_at=warn,
        due_at=due,
    )


def _closed_pauses(clock: SlaClock) -> list[tuple[datetime, datetime]]:
    pauses = SlaPause.objects.filter(clock=clock, ended_at__isnull=False).values_list(
        "started_at", "ended_at"
    )
    return [(started, ended) for started, ended in pauses if ended is not None]


def sla_clock_open(
    *,
    subject: Model,
    office: Office,
    team: Team | None,
    owner: User | None,
    risk: str,
    category: str,
    kind: str,
    name: str,
    task: Task | None = None,
    started_at: datetime | None = None,
    actor: User | None = None,
    fresh: bool = False,
) -> SlaClock | None:
    """Start timing `kind`/`name` for `subject` under the first matching policy.

    Returns None when no policy matches. Opening a clock that is already open for the
    same subject, kind, name and task returns the open one (safe to call twice); `fresh`:
    the task was created in this transaction, so no clock of it can be open (not looked up).
    Inside a task completion the office's policies are read once for all its clocks.
    """
    if kind not in ClockKind.values:
        raise SlaError(_("Unknown kind of deadline."))
    subject_type, subject_id = _subject_key(subject)
    with transaction.atomic(savepoint=False):
        if not (fresh and task is not None):
            existing = (
                SlaClock.objects.select_for_update()
                .filter(
                    subject_type=subject_type,
                    subject_id=subject_id,
                    kind=kind,
                    name=name,
                    task=task,
                    status__in=OPEN_STATUSES,
                )
                .first()
            )
            if existing:
                return existing
        started_at = started_at or timezone.now()
        policy = _first_policy(
            _office_policies(office),
            office=office,
            category=category,
            risk=risk,
            kind=kind,
            name=name,
            on=started_at.astimezone(office.tzinfo).date(),
        )
        if policy is None:
            return None
        clock = SlaClock(
            subject_type=subject_type,
            subject_id=subject_id,
            task=task,
            office=office,
            team=team,
            owner=owner,
            risk=risk or "",
            category=category or "",
            kind=kind,
            name=name,
            policy=policy,
            started_at=started_at,
        )
        _schedule(clock, calendar_for_office(office), ())
        insert(clock)  # clock.save(force_insert=True), its SQL compiled once
        _mark_in_use(policy)
    return clock


def _office_policies(office: Office) -> list[Record]:
    """The current policies that may apply in this office (any kind, scope or date), by
    `order`: one query, kept for the rest of a task completion, as rows (a policy's model
    instance is built when it matches, once: `_mark_in_use` sees what it set)."""
    key = ("sla_office_policies", office.pk)
    policies = recalled(key)
    if policies is None:
        statuses = [PolicyStatus.CONFIRMED]
        if getattr(settings, "SLA_DRAFT_POLICIES_APPLY", True):
            statuses.append(PolicyStatus.DRAFT)
        policies = _OFFICE_POLICIES.records(
            int(office.pk), str(office.jurisdiction), variant=tuple(statuses)
        )
        remember(key, policies)
    return policies


# its SQL compiled once (config.compiled): read on every task completion that opens a clock
_OFFICE_POLICIES = CompiledQuery(
    lambda statuses, office_id, jurisdiction: (
        SlaPolicy.objects.filter(is_current=True, status__in=statuses)
        .filter(Q(jurisdiction="") | Q(jurisdiction=jurisdiction))
        .filter(Q(office__isnull=True) | Q(office_id=office_id))
        .order_by("order", "pk")
    )
)


def _first_policy(
    policies: list[Record],
    *,
    office: Office,
    category: str,
    risk: str,
    kind: str,
    name: str,
    on: date,
) -> SlaPolicy | None:
    """policy_match's rule over policies already read (`_office_policies`): the first that
    matches, built as a model instance (only that one)."""
    for policy in policies:
        effective_to = policy["effective_to"]
        if (
            policy["kind"] == kind
            and policy["node_name"] in (name or "", "")
            and policy["category"] in (category or "", "")
            and policy["risk"] in (risk or "", "")
            and policy["effective_from"] <= on
            and (effective_to is None or effective_to >= on)
            and policy["jurisdiction"] in ("", office.jurisdiction)
            and policy["office_id"] in (None, office.pk)
        ):
            return policy.instance()
    return None


@dataclass(frozen=True)
class ClockRequest:
    """One clock to open with sla_clocks_open_bulk: what sla_clock_open takes, as data."""

    subject: Model
    office: Office
    team: Team | None
    owner: User | None
    risk: str
    category: str
    kind: str
    name: str
    task: Task | None = None


def sla_clocks_open_bulk(requests: Iterable[ClockRequest], *, started_at: datetime) -> int:
    """Open many new clocks at once (an import's batch): the same policy, due and warn times
    and first step as sla_clock_open gives each, the policies matched once per scope. The
    subjects are new, so there is no open clock to reuse. Returns how many were opened."""
    policies: dict[tuple, SlaPolicy | None] = {}
    clocks = []
    for r in requests:
        if r.kind not in ClockKind.values:
            raise SlaError(_("Unknown kind of deadline."))
        on = started_at.astimezone(r.office.tzinfo).date()
        key = (r.office.pk, r.category or "", r.risk or "", r.kind, r.name, on)
        if key not in policies:
            policies[key] = policy_match(
                office=r.office, category=r.category, risk=r.risk, kind=r.kind, name=r.name, on=on
            )
        policy = policies[key]
        if policy is None:
            continue
        subject_type, subject_id = _subject_key(r.subject)
        clock = SlaClock(
            subject_type=subject_type,
            subject_id=subject_id,
            task=r.task,
            office=r.office,
            team=r.team,
            owner=r.owner,
            risk=r.risk or "",
            category=r.category or "",
            kind=r.kind,
            name=r.name,
            policy=policy,
            started_at=started_at,
        )
        _schedule(clock, calendar_for_office(r.office), ())
        clocks.append(clock)
    SlaClock.objects.bulk_create(clocks)
    for policy in {p.pk: p for p in policies.values() if p is not None}.values():
        _mark_in_use(policy)
    return len(clocks)


def _mark_in_use(policy: SlaPolicy) -> None:
    if not policy.in_use:
        SlaPolicy.objects.filter(pk=policy.pk, in_use=False).update(in_use=True)
        policy.in_use = True


def _open_clocks(
    *,
    clock=None,
    task=None,
    subject=None,
    kind=None,
    name=None,
    task_ids: Iterable[int] | None = None,
    subjects: tuple[type, Iterable[int]] | None = None,
) -> QuerySet:
    qs = SlaClock.objects.filter(status__in=OPEN_STATUSES)
    if clock is None and task is None and subject is None and task_ids is None and not subjects:
        raise SlaError(_("Say which deadline: a clock, a task or a subject."))
    if clock is not None:
        qs = qs.filter(pk=clock.pk)
    if task is not None:
        qs = qs.filter(task=task)
    if task_ids is not None:
        qs = qs.filter(task_id__in=list(task_ids))
    if subject is not None:
        subject_type, subject_id = _subject_key(subject)
        qs = qs.filter(subject_type=subject_type, subject_id=subject_id)
    if subjects:
        model, ids = subjects
        qs = qs.filter(
            subject_type=ContentType.objects.get_for_model(model), subject_id__in=list(ids)
        )
    if kind is not None:
        qs = qs.filter(kind=kind)
    if name is not None:
        qs = qs.filter(name=name)
    return qs


def sla_clock_stop(
    *,
    clock: SlaClock | None = None,
    task: Task | None = None,
    subject: Model | None = None,
    kind: str | None = None,
    name: str | None = None,
    outcome: str = "met",
    actor: User | None = None,
    task_ids: Iterable[int] | None = None,
    at: datetime | None = None,
) -> int:
    """Stop the matching open clocks as met or cancelled; returns how many stopped.
    `task_ids` stops those of many tasks at once (a fixed number of queries).

    A clock stopped after its deadline stays flagged `breached` (met late). `at` (default
    now) is when it stopped: a period that simply ran out (an appeal period) stops at its
    own deadline, on time, even when the sweep notices a little later.

    On PostgreSQL this is one statement (the clocks locked, their open pauses ended, the
    clocks stopped); inside the caller's transaction it takes no savepoint.
    """
    if outcome not in (ClockStatus.MET, ClockStatus.CANCELLED):
        raise SlaError(_("A deadline stops as met or cancelled."))
    now = at or timezone.now()
    with transaction.atomic(savepoint=False):
        if connection.vendor != "postgresql":
            target = (
                _open_clocks(
                    clock=clock, task=task, subject=subject, kind=kind, name=name, task_ids=task_ids
                )
                .select_for_update(of=("self",))
                .order_by()
            )
            return _stop_portable(target, outcome=outcome, actor=actor, now=now)
        target_sql, target_params = _stop_target_sql(
            clock=clock, task=task, subject=subject, kind=kind, name=name, task_ids=task_ids
        )
        with connection.cursor() as cursor:
            cursor.execute(
                _STOP_SQL.format(
                    target=target_sql,
                    clock=connection.ops.quote_name(SlaClock._meta.db_table),
                    pause=connection.ops.quote_name(SlaPause._meta.db_table),
                ),
                [
                    *target_params,
                    now,
                    actor.pk if actor is not None else None,
                    ClockStatus.PAUSED,
                    now,
                    outcome,
                    now,
                    ClockStatus.RUNNING,
                    now,
                    ClockStatus.RUNNING,
                    now,
                ],
            )
            return cursor.rowcount


def _stop_target_sql(*, clock, task, subject, kind, name, task_ids) -> tuple[str, list]:
    """The SQL of sla_clock_stop's target (the open clocks, locked: id and status). Without
    `task_ids` its shape depends only on which filters are given, so it is compiled once per
    shape (config.compiled) and run with the values: every task completion stops clocks."""
    if task_ids is not None or (clock is None and task is None and subject is None):
        target = _open_clocks(  # (refuses a stop that says no clock, task or subject)
            clock=clock, task=task, subject=subject, kind=kind, name=name, task_ids=task_ids
        )
        query = target.select_for_update(of=("self",)).order_by().values("id", "status").query
        sql, params = query.get_compiler(connection=connection).as_sql()
        return sql, list(params)
    variant = (clock is not None, task is not None, subject is not None, kind, name)
    args: list = []
    if clock is not None:
        args.append(int(clock.pk))
    if task is not None:
        args.append(int(task.pk))
    if subject is not None:
        subject_type, subject_id = _subject_key(subject)
        args += [int(subject_type.pk), int(subject_id)]
    return _STOP_TARGET.sql(*args, variant=variant, using=connection.alias)


def _stop_target_of(variant, *args):
    """sla_clock_stop's target for one shape of filters, with the ids as `args`."""
    has_clock, has_task, has_subject, kind, name = variant
    qs = SlaClock.objects.filter(status__in=OPEN_STATUSES)
    values = list(args)
    if has_clock:
        qs = qs.filter(pk=values.pop(0))
    if has_task:
        qs = qs.filter(task_id=values.pop(0))
    if has_subject:
        qs = qs.filter(subject_type_id=values.pop(0), subject_id=values.pop(0))
    if kind is not None:
        qs = qs.filter(kind=kind)
    if name is not None:
        qs = qs.filter(name=name)
    return qs.select_for_update(of=("self",)).order_by().values("id", "status")


_STOP_TARGET = CompiledQuery(_stop_target_of)


# The clocks to stop (locked), the open pauses of the paused ones ended (their time added to
# the clock's paused total), and every one stopped; a running clock past its deadline is met
# late: breached at its deadline, even when no sweep ran between the deadline and now (a
# paused clock's deadline only moves on resume, so it is left alone), as _stop_portable does.
_STOP_SQL = """
WITH target AS ({target}),
ended AS (
    UPDATE {pause} AS p SET ended_at = %s, resumed_by_id = %s
    FROM target AS t
    WHERE p.clock_id = t.id AND t.status = %s AND p.ended_at IS NULL
    RETURNING p.clock_id, %s::timestamptz - p.started_at AS spent
)
UPDATE {clock} AS c SET
    status = %s,
    stopped_at = %s,
    next_step = NULL,
    next_step_at = NULL,
    breached = c.breached OR (t.status = %s AND c.due_at < %s),
    breached_at = CASE
        WHEN NOT c.breached AND t.status = %s AND c.due_at < %s THEN c.due_at
        ELSE c.breached_at
    END,
    paused_total = c.paused_total
        + COALESCE((SELECT SUM(e.spent) FROM ended AS e WHERE e.clock_id = c.id), INTERVAL '0')
FROM target AS t
WHERE c.id = t.id
"""


def _stop_portable(target: QuerySet, *, outcome: str, actor: User | None, now: datetime) -> int:
    """sla_clock_stop on a database without UPDATE ... FROM a locking CTE (SQLite)."""
    clocks = list(target.only("pk", "status", "paused_total"))
    if not clocks:
        return 0
    paused_ids = [c.pk for c in clocks if c.status == ClockStatus.PAUSED]
    if paused_ids:
        open_pauses = list(SlaPause.objects.filter(clock_id__in=paused_ids, ended_at__isnull=True))
        by_clock = {c.pk: c for c in clocks}
        for pause in open_pauses:
            pause.ended_at = now
            pause.resumed_by = actor
            by_clock[pause.clock_id].paused_total += now - pause.started_at
        SlaPause.objects.bulk_update(open_pauses, ["ended_at", "resumed_by"])
        SlaClock.objects.bulk_update([by_clock[i] for i in paused_ids], ["paused_total"])
    ids = [c.pk for c in clocks]
    SlaClock.objects.filter(
        pk__in=ids, status=ClockStatus.RUNNING, breached=False, due_at__lt=now
    ).update(breached=True, breached_at=F("due_at"))
    return SlaClock.objects.filter(pk__in=ids).update(
        status=outcome, stopped_at=now, next_step=None, next_step_at=None
    )


def _locked(clock: SlaClock) -> SlaClock:
    return (
        SlaClock.objects.select_for_update(of=("self",)).select_related("policy").get(pk=clock.pk)
    )


@transaction.atomic
def sla_clock_pause(*, clock: SlaClock, reason: str, actor: User, comment: str = "") -> SlaClock:
    """Pause a running clock for an allowed reason; the deadline moves on resume."""
    clock = _locked(clock)
    policy = clock.policy
    if reason not in PauseReason.values:
        raise SlaError(_("Unknown pause reason."))
    if clock.status != ClockStatus.RUNNING:
        raise SlaError(_("Only a running deadline can be paused."))
    if not policy.allows_pause(reason):
        if policy.statutory:
            raise SlaError(
                _("This deadline is set by statute and cannot be paused for this reason.")
            )
        raise SlaError(_("This deadline cannot be paused for this reason."))
    if clock.breached:
        raise SlaError(_("An overdue deadline cannot be paused."))
    SlaPause.objects.create(
        clock=clock, reason=reason, comment=comment, actor=actor, started_at=timezone.now()
    )
    clock.status = ClockStatus.PAUSED
    clock.save(update_fields=["status"])
    return clock


@transaction.atomic
def sla_clock_resume(*, clock: SlaClock, actor: User) -> SlaClock:
    """Resume a paused clock: the deadline moves by the time (or days) the pause excluded."""
    clock = _locked(clock)
    if clock.status != ClockStatus.PAUSED:
        raise SlaError(_("Only a paused deadline can be resumed."))
    now = timezone.now()
    pause = SlaPause.objects.select_for_update().get(clock=clock, ended_at__isnull=True)
    pause.ended_at, pause.resumed_by = now, actor
    pause.save(update_fields=["ended_at", "resumed_by"])
    clock.paused_total += now - pause.started_at
    clock.status = ClockStatus.RUNNING
    _schedule(clock, calendar_for_office(clock.office_id), _closed_pauses(clock))
    clock.save(
        update_fields=[
            "status",
            "paused_total",
            "due_at",
            "warn_at",
            "next_step",
            "next_step_at",
        ]
    )
    return clock


def sla_clocks_retarget(*, subject: Model, risk: str, actor: User | None = None) -> int:
    """Re-target the subject's open clocks after its risk level changed.

    Time already spent counts: the deadline is recomputed from the original start and
    the pauses under the policy that now matches; a breached clock is never extended.
    Returns how many clocks changed.
    """
    with transaction.atomic(savepoint=False):
        return _retarget(subject=subject, risk=risk)


def _retarget(*, subject: Model, risk: str) -> int:
    changed = 0
    clocks = _open_clocks(subject=subject).select_for_update(of=("self",)).select_related("office")
    for clock in clocks:
        policy = _first_policy(
            _office_policies(clock.office),
            office=clock.office,
            category=clock.category,
            risk=risk,
            kind=clock.kind,
            name=clock.name,
            on=clock.started_at.astimezone(clock.office.tzinfo).date(),
        )
        clock.risk = risk or ""
        fields = ["risk"]
        if policy is not None and policy.pk != clock.policy_id:
            clock.policy = policy
            _mark_in_use(policy)
            _schedule(clock, calendar_for_office(clock.office), _closed_pauses(clock))
            fields += ["policy", "due_at", "warn_at", "next_step", "next_step_at"]
            changed += 1
        clock.save(update_fields=fields)
    return changed


@transaction.atomic
def sla_clocks_reassign(
    *,
    subject: Model | None = None,
    task: Task | None = None,
    owner: User | None | _Unset = UNSET,
    team: Team | None | _Unset = UNSET,
    office: Office | _Unset = UNSET,
    actor: User | None = None,
    task_ids: Iterable[int] | None = None,
    subjects: tuple[type, Iterable[int]] | None = None,
) -> int:
    """Keep the denormalised owner/team/office of open clocks current; returns how many
    changed. A new office (a transferred case) changes who is escalated to; the deadline
    itself keeps the calendar it was computed on. `task_ids`, or `subjects` as (model,
    ids), change the clocks of many tasks or subjects in one statement."""
    values: dict[str, Model | None] = {}
    if not isinstance(office, _Unset):
        values["office"] = office
    if not isinstance(owner, _Unset):
        values["owner"] = owner
    if not isinstance(team, _Unset):
        values["team"] = team
    if not values:
        return 0
    return _open_clocks(task=task, subject=subject, task_ids=task_ids, subjects=subjects).update(
        **values
    )
