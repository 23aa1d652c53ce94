"""Template helpers for SLA clocks: {% load sla %} {{ clock|sla_due }}, {{ since|waited }}."""

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from workflows.sla.selectors import format_due, format_duration
from workflows.sla.units import LadderRole

register = template.Library()


@register.filter
def sla_due(clock) -> str:
    """ "due in 3 working days" / "overdue by 2 hours", in the policy's own unit."""
    return format_due(clock)


@register.filter
def sla_escalation_text(escalation) -> str:
    """One step of a clock's ladder in words: never its raw key ("breach")."""
    when = formats.date_format(timezone.localtime(escalation.created_at), "DATETIME_FORMAT")
    labels = dict(LadderRole.choices)
    roles = ", ".join(str(labels.get(role, role)).lower() for role in escalation.roles)
    if not escalation.breach:
        if not roles:
            return _("Warning on %(when)s") % {"when": when}
        return _("Warning sent on %(when)s to: %(roles)s") % {"when": when, "roles": roles}
    if escalation.key == "breach":
        if not roles:
            return _("Missed on %(when)s") % {"when": when}
        return _("Missed on %(when)s; told: %(roles)s") % {"when": when, "roles": roles}
    if not roles:
        return _("Escalated on %(when)s") % {"when": when}
    return _("Escalated on %(when)s to: %(roles)s") % {"when": when, "roles": roles}


@register.filter
def waited(since) -> str:
    """How long since `since`, in the largest whole unit: "56 days", "3 hours"."""
    if not since:
        return ""
    return format_duration(timezone.now() - since)
