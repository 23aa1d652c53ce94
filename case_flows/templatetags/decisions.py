"""The decisions section of the case page: a tag, so the case page (a lower room) need not
import case_flows.decisions."""

from django import template

from case_flows.decisions import selectors
from case_flows.permissions import can_work_on

register = template.Library()


@register.inclusion_tag("case_flows/decisions/_section.html", takes_context=True)
def decisions_section(context, case) -> dict:
    user = context["request"].user
    return {
        "case": case,
        "decisions": list(selectors.case_decisions(case)[:10]),
        "notices": selectors.delay_notices_to_send(case),
        "may_start": can_work_on(user, case) and not context.get("read_only"),
    }
