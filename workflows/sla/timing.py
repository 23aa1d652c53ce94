"""Pure timing math shared by the services and the sweep: due, warning and step times."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from .calendar import Calendar
from .units import LadderAnchor, TargetUnit


def compute_due(
    *,
    calendar: Calendar,
    started_at: datetime,
    amount: int,
    unit: str,
    pauses: Iterable[tuple[datetime, datetime]] = (),
) -> datetime:
    """The deadline from the original start, extended by the (closed) pauses.

    Hours targets add the exact paused time; day and month targets add the days the
    pauses excluded, counted in the target's own kind of day (Calendar.days_excluded).
    """
    if unit == TargetUnit.HOURS:
        paused = sum((end - start for start, end in pauses), timedelta(0))
        return calendar.add(started_at, amount, unit, extra=paused)
    extra_days = sum(calendar.days_excluded(start, end, unit) for start, end in pauses)
    return calendar.add(started_at, amount, unit, extra_days=extra_days)


def compute_warn(*, started_at: datetime, due_at: datetime, warn_percent: int) -> datetime:
    """The warning moment: warn_percent of the way from the start to the deadline."""
    return started_at + (due_at - started_at) * warn_percent / 100


def step_time(step: dict, *, calendar: Calendar, warn_at: datetime, due_at: datetime) -> datetime:
    anchor = warn_at if step.get("anchor") == LadderAnchor.WARNING else due_at
    offset = int(step.get("offset") or 0)
    if not offset:
        return anchor
    return calendar.add(anchor, offset, step.get("offset_unit") or TargetUnit.HOURS)


def next_step(
    ladder: Sequence[dict],
    index: int,
    *,
    calendar: Calendar,
    warn_at: datetime,
    due_at: datetime,
) -> tuple[int | None, datetime | None]:
    """(index, time) of ladder step `index`, or (None, None) past the end of the ladder."""
    if index < 0 or index >= len(ladder):
        return None, None
    return index, step_time(ladder[index], calendar=calendar, warn_at=warn_at, due_at=due_at)


def is_breach_step(step: dict) -> bool:
    return step.get("anchor") == LadderAnchor.DUE
