"""Models of the workflow kernel; the SLA engine's live in workflows/sla/models.py."""

from .sla.models import (  # noqa: F401
    SlaCalendar,
    SlaClock,
    SlaClosureDay,
    SlaEscalation,
    SlaPause,
    SlaPolicy,
)
