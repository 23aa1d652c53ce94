"""The household section of the case page and the income line of the assessment: a tag, so
the case page (case_flows.cases, below households in the layers) need not import it."""

from django import template

from case_flows.households.text import case_household_summary

register = template.Library()


@register.inclusion_tag("case_flows/households/_section.html")
def household_section(case) -> dict:
    return {"case": case, **case_household_summary(case)}


@register.inclusion_tag("case_flows/households/_assessment.html")
def household_income_line(case) -> dict:
    return {"case": case, **case_household_summary(case)}
