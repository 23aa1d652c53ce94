"""Choice lists the SLA engine shares between models, services and the calendar."""

from django.db import models
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _


class TargetUnit(models.TextChoices):
    """A target keeps its own unit: never converted to hours (see docs/sla.md)."""

    HOURS = "hours", _("hours")
    WORKING_DAYS = "working_days", _("working days")
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    MONTHS = "months", _("months")


class ClockKind(models.TextChoices):
    TASK = "task", _("Human task (created to done)")
    UNCLAIMED = "unclaimed", _("Unclaimed in a team queue (created to claimed)")
    STAGE = "stage", _("Stage (entered to left)")


class ClockStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    CANCELLED = "cancelled", _("Cancelled")


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (unverified)")
    CONFIRMED = "confirmed", _("Confirmed")


class RiskLevel(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class PauseReason(models.TextChoices):
    WAITING_EXTERNAL_PROVIDER = "waiting_external_provider", _("Waiting for an external provider")
    WAITING_CLIENT = "waiting_client", _("Waiting for the client")
    SUSPENDED_BY_DECISION = "suspended_by_decision", _("Proceedings suspended by decision")
    WAITING_APPEAL_BODY = "waiting_appeal_body", _("Waiting for the appeal body's answer")


# Reasons a statute may exclude from its own deadline (KPA art. 35 §5: suspension of the
# proceedings, delay caused by the party or by causes outside the authority, such as the
# appeal body examining an appeal). A statutory policy may allow only these.
STATUTORY_EXCLUDABLE_REASONS = frozenset(
    {
        PauseReason.SUSPENDED_BY_DECISION,
        PauseReason.WAITING_CLIENT,
        PauseReason.WAITING_APPEAL_BODY,
    }
)


class LadderRole(models.TextChoices):
    ASSIGNEE = "assignee", _("Assignee")
    SUPERVISOR = "supervisor", _("Team supervisor")
    MANAGER = "manager", _("Office managers")


class LadderAnchor(models.TextChoices):
    WARNING = "warning", _("Warning threshold")
    DUE = "due", _("Deadline")


def target_text(amount: int, unit: str) -> str:
    """ "1 month", "5 working days": the number and its unit with the language's plural."""
    if unit == TargetUnit.HOURS:
        text = ngettext("%(count)d hour", "%(count)d hours", amount)
    elif unit == TargetUnit.WORKING_DAYS:
        text = ngettext("%(count)d working day", "%(count)d working days", amount)
    elif unit == TargetUnit.MONTHS:
        text = ngettext("%(count)d month", "%(count)d months", amount)
    else:
        text = ngettext("%(count)d calendar day", "%(count)d calendar days", amount)
    return text % {"count": amount}


def policy_display_name(text: str) -> str:
    """A seeded policy name or citation in the user's language.

    The seeded texts are English msgids (marked in seed.py, translated in the catalogue);
    text an administrator wrote is not in the catalogue and is shown as written.
    """
    return gettext(text) if text else text
