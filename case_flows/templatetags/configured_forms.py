"""Configured forms in templates: a task page's form laid out by its version's sections (core
fields in place, from the typed form), and a record's configured answers shown read-only."""

from django import template
from django.utils.html import format_html

from case_flows.formdefs.content import CORE_FIELDS
from case_flows.formdefs.runtime import answers_shown
from case_flows.models.formdefs import translated

from ..formdefs.layout import configured_layout as layout

register = template.Library()

# Task node -> the stage its record is (CORE_FIELDS' keys).
NODE_STAGES = {
    "intake": "intake",
    "assess": "assessment",
    "plan": "plan",
    "follow_up": "follow_up",
    "prepare_closure": "closure",
}

# Core keys that are more than one field of the typed form: the block the task's own
# template renders for them, included in place.
CORE_BLOCKS = {
    ("assessment", "needs"): "case_flows/tasks/_assess_needs.html",
    ("plan", "actions"): "case_flows/tasks/_plan_actions.html",
    ("follow_up", "progress"): "case_flows/tasks/_follow_up_progress.html",
}


def _label_html(bound, *, required: bool):
    """The field's label, marked as the project's required fields are (label.required; a
    legend carries the mark itself). The form's fields are all optional to Django: what is
    required depends on the definition's conditions, checked in the form's clean()."""
    if bound.use_fieldset:
        mark = format_html(' <span class="required-mark">*</span>') if required else ""
        return bound.legend_tag(contents=format_html("{}{}", bound.label, mark))
    return bound.label_tag(attrs={"class": "required"} if required else None)


def _configured_item(bound, spec: dict) -> dict:
    return {
        "kind": "field",
        "bound": bound,
        "label_html": _label_html(bound, required=bool(spec.get("required"))),
        "use_fieldset": bound.use_fieldset,
    }


def _core_item(stage: str, key: str, form) -> dict | None:
    block = CORE_BLOCKS.get((stage, key))
    if block:
        return {"kind": "block", "template": block}
    if key in form.fields:
        return {"kind": "core", "bound": form[key]}
    return None


def _group_item(configured, spec: dict) -> dict:
    rows = []
    for number, row in enumerate(configured.group_row_fields(spec), start=1):
        subs = spec.get("fields") or []
        rows.append(
            {
                "number": number,
                "fields": [_configured_item(b, s) for b, s in zip(row, subs, strict=True)],
            }
        )
    return {
        "kind": "group",
        "key": spec["key"],
        "label": translated(spec.get("label"), spec["key"]),
        "help": translated(spec.get("help")),
        "required": bool(spec.get("required")),
        "rows": rows,
    }


@register.simple_tag
def configured_sections(configured, form, node: str) -> list[dict]:
    """The sections of the page's configured form in order, each a list of items: a core
    field of the typed form (`core`), a block the task's template renders (`block`), a
    configured field (`field`) or a repeating group (`group`, its rows, one empty to add
    another). A core field the definition leaves out comes at the end (the engine needs it)."""
    stage = NODE_STAGES.get(node, "")
    placed: set[str] = set()
    sections = []
    for section in configured.version.content.get("sections") or []:
        items = []
        for spec in section.get("fields") or []:
            kind, key = spec.get("type"), spec.get("key")
            if kind == "core":
                item = _core_item(stage, key, form)
                placed.add(key)
            elif kind == "group":
                item = _group_item(configured, spec)
            else:
                item = _configured_item(configured.bound_field(key), spec)
            if item is not None:
                items.append(item)
        sections.append(
            {
                "key": section.get("key", ""),
                "label": translated(section.get("label")),
                "items": items,
            }
        )
    left = [
        item
        for key in CORE_FIELDS.get(stage, ())
        if key not in placed and (item := _core_item(stage, key, form)) is not None
    ]
    if left:
        sections.append({"key": "", "label": "", "items": left})
    return sections


@register.inclusion_tag("case_flows/_configured_answers.html")
def configured_answers(record) -> dict:
    """A record's configured answers, read-only, with the labels of the version it was
    written with (nothing for a record without a version)."""
    if record is None or not record.form_version_id:
        return {"sections": []}
    return {"sections": answers_shown(record.form_version, record.answers or {})}


@register.simple_tag
def configured_layout(form, core=None):
    """The sections of a configured form for the builder's preview
    (templates/case_flows/formdefs/_configured_form.html)."""
    return layout(form, core or None)


@register.filter
def core_value(core, key):
    return (core or {}).get(key)
