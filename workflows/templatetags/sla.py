"""Template helpers for SLA clocks: {% load sla %} {{ clock|sla_due }}."""

from django import template

from workflows.sla.selectors import format_due

register = template.Library()


@register.filter
def sla_due(clock) -> str:
    """ "due in 3 working days" / "overdue by 2 hours", in the policy's own unit."""
    return format_due(clock)
