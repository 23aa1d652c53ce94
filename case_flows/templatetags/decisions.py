"""The decisions section of the case page: a tag, so the case page (a lower room) need not
import case_flows.decisions."""

from django import template

from case_flows.decisions import selectors
from case_flows.permissions import can_work_on

register = template.Library()


@register.inclusion_tag("case_flows/decisions/_section.html", takes_context=True)
def decisions_section(context, case) -> dict:
    user = context["request"].user
    # A notice to send exists only after the case's decision deadline breached: the page's
    # clocks (loaded already) tell, so an ordinary case page costs one query here, not two.
    clocks = context.get("clocks")
    late = clocks is None or any(c.name == "decision" and c.breached for c in clocks)
    return {
        "case": case,
        "decisions": list(selectors.case_decisions(case)[:10]),
        "notices": selectors.delay_notices_to_send(case) if late else [],
        "may_start": can_work_on(user, case) and not context.get("read_only"),
    }
