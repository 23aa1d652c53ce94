"""Template helpers for SLA clocks: {% load sla %} {{ clock|sla_due }}, {{ since|waited }}."""

from django import template
from django.utils import timezone

from workflows.sla.selectors import format_due, format_duration

register = template.Library()


@register.filter
def sla_due(clock) -> str:
    """ "due in 3 working days" / "overdue by 2 hours", in the policy's own unit."""
    return format_due(clock)


@register.filter
def waited(since) -> str:
    """How long since `since`, in the largest whole unit: "56 days", "3 hours"."""
    if not since:
        return ""
    return format_duration(timezone.now() - since)
