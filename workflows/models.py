"""Models of the workflow kernel: approvals and the SLA engine (workflows/sla)."""

from .approvals.models import (  # noqa: F401
    Approval,
    ApprovalKind,
    ApprovalRule,
    ApprovalStatus,
    SupervisorAbsence,
)
from .sla.models import (  # noqa: F401
    SlaCalendar,
    SlaClock,
    SlaClosureDay,
    SlaEscalation,
    SlaPause,
    SlaPolicy,
)
from .system.models import BeatJobRun, SystemAlert  # noqa: F401
