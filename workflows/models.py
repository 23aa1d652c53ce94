"""Models of the workflow kernel."""

from .approvals.models import (  # noqa: F401
    Approval,
    ApprovalKind,
    ApprovalRule,
    ApprovalStatus,
    SupervisorAbsence,
)
