"""The escalation sweep: set-based, batched, safe to run from several workers at once.

Each batch locks up to `batch_size` due running clocks with FOR UPDATE SKIP LOCKED,
inserts one SlaEscalation row per (clock, step) with ON CONFLICT DO NOTHING, advances the
clocks with one bulk UPDATE and calls the registered handlers once with the rows it
really inserted, all in one transaction and in a constant number of queries.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from accounts.models import Role, Team, User
from config.observability.metrics import sweep_observed

from .calendar import calendars_for_offices
from .hooks import run_escalation_handlers
from .models import SlaClock, SlaEscalation, SlaPolicy
from .timing import is_breach_step, next_step
from .units import ClockStatus, LadderRole

# What the sweep and the handlers need; other fields are deferred (do not read them in a
# handler: each would cost a query per clock).
CLOCK_FIELDS = (
    "id",
    "subject_type_id",
    "subject_id",
    "task_id",
    "office_id",
    "team_id",
    "owner_id",
    "risk",
    "category",
    "kind",
    "name",
    "policy_id",
    "status",
    "due_at",
    "warn_at",
    "breached",
    "breached_at",
    "escalation_level",
    "next_step",
    "next_step_at",
    "priority",
)


@dataclass
class SweepResult:
    clocks: int = 0
    escalations: int = 0
    batches: int = 0


def sla_sweep(
    *, now: datetime | None = None, batch_size: int | None = None, max_batches: int | None = None
) -> SweepResult:
    """Escalate every clock whose next step is due at `now`; returns what was done.

    Memory stays flat: one batch is loaded at a time. Steps that are all overdue at once
    (after an outage) are taken one per batch pass, in ladder order.
    """
    started = time.perf_counter()
    now = now or timezone.now()
    batch_size = batch_size or settings.SLA_SWEEP_BATCH_SIZE
    result = SweepResult()
    while max_batches is None or result.batches < max_batches:
        clocks, escalations = sweep_batch(now=now, batch_size=batch_size)
        if not clocks:
            break
        result.batches += 1
        result.clocks += clocks
        result.escalations += escalations
    sweep_observed(started=started, escalations=result.escalations)  # every batch committed
    return result


@transaction.atomic
def sweep_batch(*, now: datetime, batch_size: int) -> tuple[int, int]:
    """Process one batch; returns (clocks advanced, escalation rows newly inserted)."""
    clocks = [
        _loaded(SlaClock, dict(zip(CLOCK_FIELDS, values, strict=True)))
        for values in SlaClock.objects.filter(status=ClockStatus.RUNNING, next_step_at__lte=now)
        .order_by("next_step_at")
        .select_for_update(skip_locked=True, of=("self",))
        .values_list(*CLOCK_FIELDS)[:batch_size]
    ]
    if not clocks:
        return 0, 0
    office_ids = {c.office_id for c in clocks}
    ladders = dict(
        SlaPolicy.objects.filter(pk__in={c.policy_id for c in clocks}).values_list("id", "ladder")
    )
    calendars = calendars_for_offices(office_ids)
    supervisors = dict(
        Team.objects.filter(pk__in={c.team_id for c in clocks if c.team_id}).values_list(
            "id", "supervisor_id"
        )
    )
    managers: dict[int, list[int]] = {}
    for office_id, user_id in User.objects.filter(
        is_active=True, groups__name=Role.MANAGER, home_office_id__in=office_ids
    ).values_list("home_office_id", "id"):
        managers.setdefault(office_id, []).append(user_id)

    batch = uuid.uuid4()
    rows: list[SlaEscalation] = []
    for clock in clocks:
        ladder = ladders.get(clock.policy_id) or []
        index = clock.next_step
        if index is None or index >= len(ladder):
            clock.next_step, clock.next_step_at = None, None
            continue
        step = ladder[index]
        roles = list(step.get("roles") or [])
        recipients: list[int] = []
        if LadderRole.ASSIGNEE in roles and clock.owner_id:
            recipients.append(clock.owner_id)
        if LadderRole.SUPERVISOR in roles and supervisors.get(clock.team_id):
            recipients.append(supervisors[clock.team_id])
        if LadderRole.MANAGER in roles:
            recipients.extend(managers.get(clock.office_id, ()))
        breach = is_breach_step(step)
        rows.append(
            _loaded(
                SlaEscalation,
                {
                    "id": None,
                    "clock_id": clock.pk,
                    "step": index,
                    "key": str(step.get("key") or index),
                    "breach": breach,
                    "roles": roles,
                    "recipient_ids": list(dict.fromkeys(recipients)),
                    "scheduled_at": clock.next_step_at,
                    "created_at": now,
                    "batch": batch,
                },
                adding=True,
            )
        )
        clock.escalation_level = max(clock.escalation_level, index)
        clock.priority = max(clock.priority, int(step.get("priority") or (index + 1) * 10))
        if breach and not clock.breached:
            clock.breached, clock.breached_at = True, clock.due_at
        clock.next_step, clock.next_step_at = next_step(
            ladder,
            index + 1,
            calendar=calendars[clock.office_id],
            warn_at=clock.warn_at,
            due_at=clock.due_at,
        )

    created = _insert_new_escalations(rows, [c.pk for c in clocks], batch)
    _bulk_advance(clocks)
    by_id = {c.pk: c for c in clocks}
    for escalation in created:
        escalation._state.fields_cache["clock"] = by_id[escalation.clock_id]
    run_escalation_handlers(created)
    return len(clocks), len(created)


def _loaded(model, values: dict, *, adding: bool = False):
    """A model instance from column values without Model.__init__ (the sweep's hot path).

    Same result as Model.from_db for these attnames (the rest are deferred and load on
    access), at a fraction of the cost: __init__ runs every field's descriptor.
    """
    instance = model.__new__(model)
    instance.__dict__.update(values)
    instance._state = ModelState()
    instance._state.adding = adding
    instance._state.db = None if adding else DEFAULT_DB_ALIAS
    return instance


def _insert_new_escalations(
    rows: list[SlaEscalation], clock_ids: list[int], batch: uuid.UUID
) -> list[SlaEscalation]:
    """Insert the rows, skipping (clock, step) pairs that exist; return only the new ones."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        SlaEscalation.objects.bulk_create(rows, ignore_conflicts=True)
        return list(SlaEscalation.objects.filter(clock_id__in=clock_ids, batch=batch))
    table = connection.ops.quote_name(SlaEscalation._meta.db_table)
    # one JSON document instead of per-element array parameters: far cheaper to send
    sql = (
        f"INSERT INTO {table} (clock_id, step, key, breach, roles, recipient_ids, "
        "scheduled_at, created_at, batch) "
        "SELECT v.clock_id, v.step, v.key, v.breach, v.roles, v.recipients, v.scheduled_at, "
        "%s, %s FROM jsonb_to_recordset(%s::jsonb) AS v(clock_id bigint, step int, key text, "
        "breach bool, roles jsonb, recipients jsonb, scheduled_at timestamptz) "
        "ON CONFLICT (clock_id, step) DO NOTHING RETURNING id, clock_id, step"
    )
    params: list[datetime | uuid.UUID | str] = [
        rows[0].created_at,
        batch,
        json.dumps(
            [
                {
                    "clock_id": r.clock_id,
                    "step": r.step,
                    "key": r.key,
                    "breach": r.breach,
                    "roles": r.roles,
                    "recipients": r.recipient_ids,
                    "scheduled_at": r.scheduled_at.isoformat(),
                }
                for r in rows
            ]
        ),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = {(clock_id, step): pk for pk, clock_id, step in cursor.fetchall()}
    created = []
    for row in rows:
        pk = inserted.get((row.clock_id, row.step))
        if pk is not None:
            row.id = pk
            row._state.adding = False
            created.append(row)
    return created


_FIELDS = ("escalation_level", "priority", "breached", "breached_at", "next_step", "next_step_at")


def _bulk_advance(clocks: list[SlaClock]) -> None:
    """One UPDATE for the whole batch (from a JSON document on PostgreSQL, CASE elsewhere)."""
    if connection.vendor != "postgresql":
        SlaClock.objects.bulk_update(clocks, list(_FIELDS))
        return
    table = connection.ops.quote_name(SlaClock._meta.db_table)
    sql = (
        f"UPDATE {table} AS c SET escalation_level = v.level, priority = v.priority, "
        "breached = v.breached, breached_at = v.breached_at, next_step = v.next_step, "
        "next_step_at = v.next_step_at "
        "FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, level int, priority int, "
        "breached bool, breached_at timestamptz, next_step int, next_step_at timestamptz) "
        "WHERE c.id = v.id"
    )
    document = json.dumps(
        [
            {
                "id": c.pk,
                "level": c.escalation_level,
                "priority": c.priority,
                "breached": c.breached,
                "breached_at": c.breached_at.isoformat() if c.breached_at else None,
                "next_step": c.next_step,
                "next_step_at": c.next_step_at.isoformat() if c.next_step_at else None,
            }
            for c in clocks
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [document])
