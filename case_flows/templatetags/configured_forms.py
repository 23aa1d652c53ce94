"""Configured forms in templates: a form laid out by its version's sections (the task page's
and the builder preview's one layout), and a record's configured answers shown read-only."""

from django import template

from case_flows.formdefs.layout import configured_layout as layout
from case_flows.formdefs.runtime import answers_shown

register = template.Library()


@register.simple_tag
def configured_layout(configured, form=None):
    """The sections templates/case_flows/_configured_form.html renders: `form` is the task's
    typed form (its fields in place of the built-in ones), None in the builder's preview."""
    return layout(configured, form or None)


@register.inclusion_tag("case_flows/_configured_answers.html")
def configured_answers(record) -> dict:
    """A record's configured answers, read-only, with the labels of the version it was
    written with (nothing for a record without a version)."""
    if record is None or not record.form_version_id:
        return {"sections": []}
    return {"sections": answers_shown(record.form_version, record.answers or {})}
