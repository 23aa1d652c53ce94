"""The one layout of a configured form, for the task page and the builder's preview alike
(templates/case_flows/_configured_form.html renders it): the version's sections in order, each
item a configured field, a repeating group's rows, or a built-in (core) field shown in place
from the typed form, or as a placeholder when there is none (the preview).

Fields with a condition (`show_if`) carry it as `data-show-if` for static/js/configured-forms.js,
in the terms of the posted form (the input's name, the values as the browser posts them).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html
from django.utils.text import capfirst

from ..models import Assessment, CasePlan, Closure, FollowUp, Intake
from ..models.formdefs import translated
from .content import CORE_FIELDS, top_fields

STAGE_MODELS = {
    "intake": Intake,
    "assessment": Assessment,
    "plan": CasePlan,
    "follow_up": FollowUp,
    "closure": Closure,
}

# Core keys that are more than one field of the typed form: the block the task's own
# template renders for them (with `form`, the typed form), included in place.
CORE_BLOCKS = {
    ("assessment", "needs"): "case_flows/tasks/_assess_needs.html",
    ("plan", "actions"): "case_flows/tasks/_plan_actions.html",
    ("follow_up", "progress"): "case_flows/tasks/_follow_up_progress.html",
}


def core_label(stage: str, key: str) -> str:
    """A built-in field's label, as the stage record's model names it."""
    model = STAGE_MODELS.get(stage)
    if model is None:
        return key
    try:
        found = model._meta.get_field(key)
    except FieldDoesNotExist:
        return key
    name = getattr(found, "verbose_name", None) or found.related_model._meta.verbose_name_plural
    return capfirst(str(name))


def _posted(value, target: dict) -> str:
    """A condition's value as the browser posts the target's input."""
    if target.get("type") == "boolean":
        return {True: "yes", False: "no"}.get(value, str(value))
    return str(value)


def show_if_data(spec: dict, top: dict[str, dict]) -> str:
    """The `data-show-if` JSON of a field's condition ("" without one)."""
    cond = spec.get("show_if")
    if not isinstance(cond, dict) or cond.get("field") not in top:
        return ""
    target = top[cond["field"]]
    name = cond["field"] if target.get("type") == "core" else "cf_" + cond["field"]
    if cond.get("filled"):
        return json.dumps({"name": name, "filled": True})
    values = [cond["equals"]] if "equals" in cond else list(cond.get("in") or [])
    return json.dumps({"name": name, "values": [_posted(v, target) for v in values]})


def _label_html(bound, *, required: bool):
    """The field's label, marked as the project's required fields are (label.required; a
    legend carries the mark itself). The form's fields are all optional to Django: what is
    required depends on the definition's conditions, checked in the form's clean()."""
    if bound.use_fieldset:
        mark = format_html(' <span class="required-mark">*</span>') if required else ""
        return bound.legend_tag(contents=format_html("{}{}", bound.label, mark))
    return bound.label_tag(attrs={"class": "required"} if required else None)


def _field_item(bound, spec: dict, show_if: str = "") -> dict[str, Any]:
    return {
        "kind": "field",
        "bound": bound,
        "label_html": _label_html(bound, required=bool(spec.get("required"))),
        "use_fieldset": bound.use_fieldset,
        "show_if": show_if,
    }


def _core_item(stage: str, key: str, form) -> dict[str, Any] | None:
    """A built-in field from the typed `form`; a placeholder when there is none (preview)."""
    if form is None:
        return {"kind": "placeholder", "key": key, "label": core_label(stage, key)}
    block = CORE_BLOCKS.get((stage, key))
    if block:
        return {"kind": "block", "template": block}
    if key in form.fields:
        return {"kind": "core", "bound": form[key]}
    return None


def _group_item(configured, spec: dict, show_if: str) -> dict[str, Any]:
    subs = spec.get("fields") or []
    rows = [
        {
            "number": number,
            "fields": [_field_item(b, s) for b, s in zip(row, subs, strict=True)],
        }
        for number, row in enumerate(configured.group_row_fields(spec), start=1)
    ]
    return {
        "kind": "group",
        "key": spec["key"],
        "label": translated(spec.get("label"), spec["key"]),
        "help": translated(spec.get("help")),
        "required": bool(spec.get("required")),
        "rows": rows,
        "show_if": show_if,
    }


def configured_layout(configured, form=None) -> list[dict[str, Any]]:
    """The sections of `configured` (a ConfiguredForm) in the version's order, each
    {"key", "label", "items"}; an item is a configured field (`field`), a repeating group
    (`group`, its rows, the last one empty to add another), a core field of the typed `form`
    (`core`), a block of it (`block`), or, without a typed form, a `placeholder`. A core field
    the definition leaves out comes at the end (the engine needs it)."""
    version = configured.version
    stage = version.definition.stage
    top = top_fields(version.content)
    placed: set[str] = set()
    sections = []
    for section in version.content.get("sections") or []:
        items = []
        for spec in section.get("fields") or []:
            kind, key = spec.get("type"), spec.get("key")
            if kind == "core":
                item = _core_item(stage, key, form)
                placed.add(key)
            elif kind == "group":
                item = _group_item(configured, spec, show_if_data(spec, top))
            else:
                item = _field_item(configured.bound_field(key), spec, show_if_data(spec, top))
            if item is not None:
                items.append(item)
        # A block alone (the needs grid, the plan's actions) is a fieldset with its own
        # legend already: no second fieldset of the same name around it.
        alone = len(items) == 1 and items[0]["kind"] == "block"
        sections.append(
            {
                "key": section.get("key", ""),
                "label": "" if alone else translated(section.get("label")),
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
