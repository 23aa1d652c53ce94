"""Handing over all of a person's open tasks at once: to a colleague who may do them, or back
to their queues. Set-based: the number of queries does not grow with the number of tasks.

The kernel knows tasks, processes and deadline clocks. What the tasks are about reaches it
through the flow's process class (`work_subjects(ids)`, the bulk form of `work_subject()`)
and through handover listeners, which the apps owning the subjects register at start-up (as
they register SLA escalation handlers): a listener names the further processes whose subjects
it will change, locks those subjects after the flow locks (the documented lock order: process
rows, then subject rows, then clocks), and records the hand-over on them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from accounts.audit import account_event_record
from accounts.models import AccountAction, Role, User
from accounts.staff_rules import staff_may_manage
from notifications.models import Event
from notifications.outbox import notify

from .errors import NotPermitted, WorkflowError
from .locks import processes_lock
from .queue import OPEN_STATUSES, conflicts_as_errors, tasks_user_may_be_given
from .sla.services import sla_clock_stop, sla_clocks_reassign


class HandoverError(WorkflowError):
    """A hand-over that cannot be done as asked (the receiver); nothing was changed."""


class TaskRow(NamedTuple):
    pk: int
    process_id: int
    owner_permission: str
    flow_class: Any


@dataclass
class Handover:
    """What one hand-over did; listeners read it and may add to `extra`."""

    from_user: User
    to_user: User | None
    actor: User
    reason: str
    at: datetime
    moved: dict[int, list[int]] = field(default_factory=dict)  # process id -> tasks given
    queued: dict[int, list[int]] = field(default_factory=dict)  # process id -> tasks queued
    processes: list[int] = field(default_factory=list)  # every process row locked
    extra: dict[str, Any] = field(default_factory=dict)  # reported, and kept in the audit row
    scratch: dict[str, Any] = field(default_factory=dict)  # listeners' own, not recorded

    @property
    def moved_count(self) -> int:
        return sum(len(ids) for ids in self.moved.values())

    @property
    def queued_count(self) -> int:
        return sum(len(ids) for ids in self.queued.values())

    @property
    def task_count(self) -> int:
        return self.moved_count + self.queued_count


class HandoverListener(Protocol):
    def processes_to_lock(self, *, from_user: User, to_user: User | None) -> Iterable[int]:
        """Processes besides those of the tasks whose subjects `handed_over` will change."""
        ...

    def lock_subjects(self, *, handover: Handover) -> None:
        """Lock the subject rows of `handover.processes` (called after the flow locks)."""
        ...

    def handed_over(self, *, handover: Handover) -> None:
        """Record the hand-over on the subjects (inside the same transaction)."""
        ...


_listeners: list[HandoverListener] = []


def register_handover_listener(listener: HandoverListener) -> HandoverListener:
    """Register a listener (idempotent), e.g. from an AppConfig.ready."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def unregister_handover_listener(listener: HandoverListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def handover_listeners() -> tuple[HandoverListener, ...]:
    return tuple(_listeners)


# --- reads ---------------------------------------------------------------------------------


def open_tasks_of(user: User):
    """The open human tasks the user holds."""
    return Task.objects.filter(owner=user, status__in=OPEN_STATUSES, flow_task_type="HUMAN")


def _task_rows(user: User) -> list[TaskRow]:
    return [
        TaskRow(*row)
        for row in open_tasks_of(user)
        .order_by("pk")
        .values_list("pk", "process_id", "owner_permission", "process__flow_class")
    ]


def work_subjects(rows: list[TaskRow]) -> dict[int, Any]:
    """Process id -> its work subject (office, team, owner): one query per flow, through the
    process class's `work_subjects`, else one per process (`work_subject`)."""
    by_class: dict[Any, set[int]] = {}
    for row in rows:
        by_class.setdefault(row.flow_class.process_class, set()).add(row.process_id)
    subjects: dict[int, Any] = {}
    for process_class, ids in by_class.items():
        bulk = getattr(process_class, "work_subjects", None)
        if bulk is not None:
            subjects.update(bulk(ids))
        else:
            for process in process_class._default_manager.filter(pk__in=ids):
                subjects[process.pk] = process.work_subject()
    return subjects


# --- the service ---------------------------------------------------------------------------


def _check(*, from_user: User, to_user: User | None, actor: User) -> None:
    if not staff_may_manage(actor, from_user):
        raise NotPermitted(_("You may not hand over this person's work."))
    if to_user is None:
        return
    if to_user.pk == from_user.pk:
        raise HandoverError(_("Choose someone else to take over the work."))
    if not to_user.is_active:
        raise HandoverError(
            _("%(who)s is deactivated: choose an active colleague.") % {"who": to_user}
        )
    if to_user.home_office_id != from_user.home_office_id:
        raise HandoverError(
            _("%(who)s works in another office: choose a colleague of the same office.")
            % {"who": to_user}
        )
    if Role.PROVIDER in to_user.role_names:
        raise HandoverError(
            _("%(who)s is a service provider's account and cannot take over casework.")
            % {"who": to_user}
        )


def _lock_flows(from_user: User, to_user: User | None) -> tuple[list[TaskRow], list[int]]:
    """Lock the processes of the person's open tasks and the listeners' processes, in id
    order; re-read the tasks under the locks (work finished meanwhile drops out; a task
    created meanwhile in a process not yet locked has its process locked too)."""
    wanted: set[int] = set()
    for listener in _listeners:
        wanted.update(listener.processes_to_lock(from_user=from_user, to_user=to_user))
    locked: set[int] = set()
    rows = _task_rows(from_user)
    for _round in range(3):
        wanted.update(row.process_id for row in rows)
        new = wanted - locked
        if not new:
            break
        # Newer processes have larger ids, so each round still locks upwards.
        locked.update(processes_lock(Process, new))
        rows = _task_rows(from_user)
    return [row for row in rows if row.process_id in locked], sorted(locked)


def _split(handover: Handover, rows: list[TaskRow], allowed: set[int]) -> None:
    for row in rows:
        target = handover.moved if row.pk in allowed else handover.queued
        target.setdefault(row.process_id, []).append(row.pk)


def _move_tasks(handover: Handover) -> None:
    moved = [pk for ids in handover.moved.values() for pk in ids]
    queued = [pk for ids in handover.queued.values() for pk in ids]
    if moved:
        Task.objects.filter(pk__in=moved).update(
            owner=handover.to_user, status=STATUS.ASSIGNED, assigned=handover.at
        )
        # As when a task is claimed or given (queue._deadlines_follow_owner): a queue
        # deadline stops, the task's own deadline follows the new owner.
        sla_clock_stop(task_ids=moved, kind="unclaimed", outcome="met", actor=handover.actor)
        sla_clocks_reassign(task_ids=moved, owner=handover.to_user)
    if queued:
        Task.objects.filter(pk__in=queued).update(owner=None, status=STATUS.NEW)
        sla_clocks_reassign(task_ids=queued, owner=None)


def _record(handover: Handover, request: HttpRequest | None, link: str) -> None:
    to_user = handover.to_user
    if not (handover.task_count or handover.extra.get("cases_moved")):
        return  # nothing was theirs to hand over: nothing to record
    event = account_event_record(
        action=AccountAction.TASKS_HANDED_OVER,
        actor=handover.actor,
        subject=handover.from_user,
        request=request,
        details={
            "to": to_user.username if to_user else None,
            "to_id": to_user.pk if to_user else None,
            "moved": handover.moved_count,
            "queued": handover.queued_count,
            "reason": handover.reason,
            **handover.extra,
        },
    )
    if to_user is not None and handover.moved_count:
        notify(
            recipient=to_user,
            event=Event.TASKS_HANDED_OVER,
            dedupe_key=f"handover:{event.pk}:{to_user.pk}",
            link=link,
            params={
                "count": handover.moved_count,
                "scope": "handover",
                "person": str(handover.from_user),
            },
            actor=handover.actor,
        )


def tasks_hand_over(
    *,
    from_user: User,
    to_user: User | None,
    actor: User,
    reason: str = "",
    request: HttpRequest | None = None,
    link: str = "/",
) -> Handover:
    """Move every open task `from_user` holds to `to_user` (a colleague of the same office)
    or, with `to_user` None, back to its queue. Tasks the colleague may not be given (their
    role, their scope, an approval they asked for: the rules of queue.assignable_users) go
    back to the queue instead. Deadline clocks follow; listeners record it on the subjects;
    one audit row; one summary notification to the receiver (linking to `link`).

    One transaction; a lock timeout or deadlock is a Conflict (409)."""
    _check(from_user=from_user, to_user=to_user, actor=actor)
    with conflicts_as_errors(), transaction.atomic():
        rows, processes = _lock_flows(from_user, to_user)
        handover = Handover(
            from_user=from_user,
            to_user=to_user,
            actor=actor,
            reason=(reason or "").strip(),
            at=timezone.now(),
            processes=processes,
        )
        for listener in _listeners:
            listener.lock_subjects(handover=handover)
        allowed = tasks_user_may_be_given(to_user, rows, work_subjects(rows)) if to_user else set()
        _split(handover, rows, allowed)
        _move_tasks(handover)
        for listener in _listeners:
            listener.handed_over(handover=handover)
        _record(handover, request, link)
    return handover
