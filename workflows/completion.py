"""What one task completion already knows, for the flow's nodes and hooks that run inside it.

`task_complete` reads the task, its process and subject once under the flow lock, and the
nodes the flow then runs (gateways, functions, the next task's hooks) ask here instead of
reading the same rows again: who completed which task, and what the completion's work
recorded (`memo`, e.g. the approval it decided). Outside a completion `current()` is None
and callers read the database as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

_CURRENT: ContextVar[Completion | None] = ContextVar("workflow_completion", default=None)


@dataclass
class Completion:
    task: Any  # the human task being completed (its owner is the actor)
    actor: Any
    memo: dict = field(default_factory=dict)
    # the task's fields as read under the lock (config.compiled.field_values): its completion
    # writes only what changed since (config.compiled.save_changed)
    task_row: dict | None = None

    def owns(self, task) -> bool:
        """Whether `task` belongs to the process whose task is being completed."""
        return task is not None and task.process_id == self.task.process_id

    def follows(self, activation) -> bool:
        """Whether `activation`'s node comes right after the completed task's node, in the
        same process: its previous task is then the completed one (no split in between)."""
        flow_task = self.task.flow_task
        return (
            self.owns(activation.task) and getattr(flow_task, "_next", None) is activation.flow_task
        )


def current() -> Completion | None:
    return _CURRENT.get()


@contextmanager
def completing(task, actor, task_row: dict | None = None) -> Iterator[Completion]:
    completion = Completion(task=task, actor=actor, task_row=task_row)
    token = _CURRENT.set(completion)
    try:
        yield completion
    finally:
        _CURRENT.reset(token)


def remember(key, value) -> None:
    """Keep `value` for the nodes of the completion under way (nothing outside one)."""
    completion = current()
    if completion is not None:
        completion.memo[key] = value


def recalled(key, default=None):
    completion = current()
    return completion.memo.get(key, default) if completion is not None else default
