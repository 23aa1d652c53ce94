"""Reads of the SLA engine: a subject's clocks with their history, and "due in" texts."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.scope import scope_q

from .calendar import Calendar, add_months, calendar_for_office
from .models import SlaClock, SlaEscalation, SlaPause
from .units import ClockStatus, TargetUnit


def clocks_for_subject(subject: Model, *, user: User | None = None) -> list[SlaClock]:
    """The subject's clocks, newest first, with policy, pauses and escalations loaded.

    With `user`, only clocks inside that user's access scope (office, team or owner).
    Three queries whatever the number of clocks (clocks, pauses, escalations).
    """
    qs: QuerySet[SlaClock] = (
        SlaClock.objects.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk
        )
        .select_related("policy", "office", "owner", "team")
        .prefetch_related(
            Prefetch("pauses", queryset=SlaPause.objects.select_related("actor", "resumed_by")),
            Prefetch("escalations", queryset=SlaEscalation.objects.order_by("step")),
        )
        .order_by("-started_at", "-pk")
    )
    if user is not None:
        qs = qs.filter(scope_q(user))
    return list(qs)


def visible_clocks(user: User) -> QuerySet[SlaClock]:
    """Clocks the user may act on (the subject's own scope is the caller's concern)."""
    return SlaClock.objects.filter(scope_q(user)).select_related("policy", "office")


def _count_text(unit: str, count: int, overdue: bool) -> str:
    if unit == TargetUnit.HOURS:
        if overdue:
            return ngettext("overdue by %(count)d hour", "overdue by %(count)d hours", count) % {
                "count": count
            }
        return ngettext("due in %(count)d hour", "due in %(count)d hours", count) % {"count": count}
    if unit == TargetUnit.WORKING_DAYS:
        if overdue:
            return ngettext(
                "overdue by %(count)d working day", "overdue by %(count)d working days", count
            ) % {"count": count}
        return ngettext("due in %(count)d working day", "due in %(count)d working days", count) % {
            "count": count
        }
    if unit == TargetUnit.MONTHS:
        if overdue:
            return ngettext("overdue by %(count)d month", "overdue by %(count)d months", count) % {
                "count": count
            }
        return ngettext("due in %(count)d month", "due in %(count)d months", count) % {
            "count": count
        }
    if overdue:
        return ngettext("overdue by %(count)d day", "overdue by %(count)d days", count) % {
            "count": count
        }
    return ngettext("due in %(count)d day", "due in %(count)d days", count) % {"count": count}


def _largest_unit(delta: timedelta) -> tuple[str, int]:
    """A span in the largest unit that fits it whole: ("days", 56), never ("hours", 1341)."""
    seconds = max(int(delta.total_seconds()), 0)
    if seconds >= 86400:
        return "days", seconds // 86400
    if seconds >= 3600:
        return "hours", seconds // 3600
    return "minutes", seconds // 60


def _elapsed_text(delta: timedelta, overdue: bool) -> str:
    """ "due in 35 minutes", "overdue by 3 hours", "overdue by 56 days" for an hours target."""
    unit, count = _largest_unit(delta)
    if unit == "days":
        return _count_text(TargetUnit.CALENDAR_DAYS, count, overdue)
    if unit == "hours":
        return _count_text(TargetUnit.HOURS, count, overdue)
    if count == 0:
        return _("overdue by less than a minute") if overdue else _("due in less than a minute")
    if overdue:
        return ngettext("overdue by %(count)d minute", "overdue by %(count)d minutes", count) % {
            "count": count
        }
    return ngettext("due in %(count)d minute", "due in %(count)d minutes", count) % {"count": count}


def format_duration(delta: timedelta) -> str:
    """How long something has waited, in the largest whole unit: "56 days", "3 hours"."""
    unit, count = _largest_unit(delta)
    if unit == "days":
        return ngettext("%(days)s day", "%(days)s days", count) % {"days": count}
    if unit == "hours":
        return ngettext("%(hours)s hour", "%(hours)s hours", count) % {"hours": count}
    if count == 0:
        return _("less than a minute")
    return ngettext("%(minutes)s minute", "%(minutes)s minutes", count) % {"minutes": count}


def format_due(
    clock: SlaClock, *, now: datetime | None = None, calendar: Calendar | None = None
) -> str:
    """ "due in 3 working days", "overdue by 2 hours"... in the policy's own unit; an hours
    target counts in minutes, hours or days, whichever is the largest whole unit."""
    if clock.status == ClockStatus.MET:
        return _("met late") if clock.breached else _("met")
    if clock.status == ClockStatus.CANCELLED:
        return _("cancelled")
    now = now or timezone.now()
    unit = clock.policy.target_unit
    overdue = now > clock.due_at
    prefix = _("paused") + ", " if clock.status == ClockStatus.PAUSED else ""
    if unit == TargetUnit.HOURS:
        return prefix + _elapsed_text(abs(clock.due_at - now), overdue)
    calendar = calendar or calendar_for_office(clock.office_id)
    today, due_day = calendar.local_date(now), calendar.local_date(clock.due_at)
    if today == due_day:
        return prefix + _("due today")
    first, last = (due_day, today) if overdue else (today, due_day)
    if unit == TargetUnit.WORKING_DAYS:
        count = calendar.working_days_between(first, last)
    elif unit == TargetUnit.MONTHS and add_months(first, 1) <= last:
        count = 0
        while add_months(first, count + 1) <= last:
            count += 1
    else:
        unit, count = TargetUnit.CALENDAR_DAYS, (last - first).days
    if count == 0:
        return prefix + (_("overdue") if overdue else _("due on the next working day"))
    return prefix + _count_text(unit, count, overdue)
