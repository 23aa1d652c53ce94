"""`{% configured_layout form core as sections %}`: the sections of a configured form, for
templates/case_flows/formdefs/_configured_form.html."""

from django import template

from ..formdefs.layout import configured_layout as layout

register = template.Library()


@register.simple_tag
def configured_layout(form, core=None):
    return layout(form, core or None)


@register.filter
def core_value(core, key):
    return (core or {}).get(key)
