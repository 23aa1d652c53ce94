"""SLA policies, business calendars, clocks, pauses and escalation steps (one module each)."""

from .calendars import SlaCalendar, SlaClosureDay
from .clocks import SlaClock, SlaEscalation, SlaPause
from .policies import SlaPolicy, default_ladder, validate_ladder, validate_pause_reasons

__all__ = [
    "SlaCalendar",
    "SlaClosureDay",
    "SlaClock",
    "SlaEscalation",
    "SlaPause",
    "SlaPolicy",
    "default_ladder",
    "validate_ladder",
    "validate_pause_reasons",
]
