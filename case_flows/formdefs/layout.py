"""What the configured-form partial renders: a ConfiguredForm's sections in order, each item
a field (its widget with aria-describedby/aria-invalid set), a repeating group's rows, or a
built-in (core) field shown from what the page passes in its place (a placeholder in preview).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from ..models import Assessment, CasePlan, Closure, FollowUp, Intake
from ..models.formdefs import translated

STAGE_MODELS = {
    "intake": Intake,
    "assessment": Assessment,
    "plan": CasePlan,
    "follow_up": FollowUp,
    "closure": Closure,
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


@dataclass
class FieldItem:
    bound: Any
    widget: SafeString
    help_id: str = ""
    error_id: str = ""
    required: bool = False
    is_check_list: bool = False


@dataclass
class Item:
    kind: str  # "core" | "field" | "group"
    key: str
    label: str = ""
    help: str = ""
    required: bool = False
    field: FieldItem | None = None
    core: Any = None  # what the page shows in place of a core field (None: a placeholder)
    headers: list[str] = dc_field(default_factory=list)
    rows: list[list[FieldItem]] = dc_field(default_factory=list)
    conditional: bool = False


@dataclass
class Section:
    key: str
    label: str
    items: list[Item] = dc_field(default_factory=list)


def _field_item(bound, spec: dict, *, label_id: str = "") -> FieldItem:
    described = []
    help_id = error_id = ""
    if bound.help_text:
        help_id = f"{bound.auto_id}_help"
        described.append(help_id)
    if bound.errors:
        error_id = f"{bound.auto_id}_error"
        described.append(error_id)
    attrs: dict[str, str] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if bound.errors:
        attrs["aria-invalid"] = "true"
    if label_id:
        attrs["aria-labelledby"] = label_id
    return FieldItem(
        bound=bound,
        widget=mark_safe(bound.as_widget(attrs=attrs)),  # noqa: S308 - Django's own widget HTML
        help_id=help_id,
        error_id=error_id,
        required=bool(spec.get("required")),
        is_check_list=spec.get("type") == "multichoice",
    )


def configured_layout(form, core: dict | None = None) -> list[Section]:
    """The sections of `form` (a ConfiguredForm) to render, in the version's order."""
    version = form.version
    stage = version.definition.stage
    sections = []
    for section in version.content.get("sections") or []:
        shown = Section(section.get("key", ""), translated(section.get("label"), ""))
        for spec in section.get("fields") or []:
            key, kind = spec.get("key", ""), spec.get("type")
            if kind == "core":
                shown.items.append(
                    Item(
                        "core",
                        key,
                        label=core_label(stage, key),
                        core=(core or {}).get(key),
                    )
                )
                continue
            label = translated(spec.get("label"), key)
            item = Item(
                "group" if kind == "group" else "field",
                key,
                label=label,
                help=translated(spec.get("help")),
                required=bool(spec.get("required")),
                conditional=bool(spec.get("show_if") or spec.get("required_if")),
            )
            if kind == "group":
                subs = spec.get("fields") or []
                item.headers = [translated(s.get("label"), s.get("key", "")) for s in subs]
                item.rows = [
                    [_field_item(bound, sub) for bound, sub in zip(row, subs, strict=False)]
                    for row in form.group_row_fields(spec)
                ]
            elif "cf_" + key in form.fields:
                item.input = _field_item(form.bound_field(key), spec)
            shown.items.append(item)
        sections.append(shown)
    return sections
