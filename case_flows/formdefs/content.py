"""What a form definition may say, the problems that stop it being published, and the JSON
Schema its answers are validated against.

A version's content:

    {"sections": [
        {"key": "household", "label": {"en": "Household", "pl": "Gospodarstwo"},
         "fields": [
            {"key": "risk_decided", "type": "core"},          # a typed column, shown in place
            {"key": "income_source", "type": "choice", "lookup": "income_sources",
             "label": {"en": "...", "pl": "..."}, "help": {"en": "..."},
             "required": true, "searchable": true},
            {"key": "benefit_amount", "type": "number", "min": 0, "max": 100000,
             "show_if": {"field": "income_source", "equals": "benefit"},
             "required_if": {"field": "income_source", "equals": "benefit"}},
            {"key": "household_members", "type": "group", "max_items": 20,
             "fields": [{"key": "name", "type": "text", ...}, ...]},
         ]}]}

Types: text, textarea (min_length, max_length, pattern + pattern_message), number (min, max,
integer), date (min, max as ISO dates, or "today"), boolean (yes/no), choice and multichoice
(a lookup's codes), person (a registry person's id), group (repeating: its own fields, none of
them a group; min_items, max_items), core (a typed field of the stage, by its key; label and
input come from the built-in form). Conditions (`show_if`, `required_if`) name a field outside
any group: `{"field": k, "equals": v}`, `{"field": k, "in": [v, ...]}` or
`{"field": k, "filled": true}`. A field hidden by its condition keeps no answer.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

FIELD_TYPES = (
    "text",
    "textarea",
    "number",
    "date",
    "boolean",
    "choice",
    "multichoice",
    "person",
    "group",
    "core",
)
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")

# The typed fields each stage's built-in form has, in its order: a definition for the stage
# must show every one of them (they are what the engine reads), and may move them.
CORE_FIELDS: dict[str, tuple[str, ...]] = {
    "intake": ("source", "presenting_concerns", "immediate_safety", "consent_to_share"),
    "assessment": ("needs", "needs_notes", "strengths", "risk_decided"),
    "plan": ("summary", "goals", "actions", "no_referral_needed"),
    "follow_up": ("date", "mode", "notes", "progress", "next_step"),
    "closure": ("reason", "summary"),
}


def iter_fields(content: dict, *, groups: bool = True):
    """Every field of a content (a group's own fields after it when `groups`), as
    (section, field, group or None)."""
    for section in content.get("sections") or []:
        for field in section.get("fields") or []:
            yield section, field, None
            if groups and field.get("type") == "group":
                for sub in field.get("fields") or []:
                    yield section, sub, field


def top_fields(content: dict) -> dict[str, dict]:
    """The fields outside groups, by key (what conditions may name)."""
    return {f["key"]: f for _s, f, _g in iter_fields(content, groups=False) if f.get("key")}


def has_person_field(content: dict) -> bool:
    return any(f.get("type") == "person" for _s, f, _g in iter_fields(content))


def configured_fields(content: dict) -> list[dict]:
    """The fields whose answers the version stores (not core), outside groups, in order."""
    return [f for _s, f, _g in iter_fields(content, groups=False) if f.get("type") != "core"]


def _name(field: dict) -> str:
    return field.get("key") or _("(no key)")


def _label_problems(obj: dict, what: str, languages: list[str]) -> list[str]:
    labels = obj.get("label") or {}
    if not isinstance(labels, dict):
        return [_("%(what)s: the label must be given per language.") % {"what": what}]
    missing = [lang for lang in languages if not str(labels.get(lang) or "").strip()]
    if missing:
        return [
            _("%(what)s has no label in %(languages)s.")
            % {"what": what, "languages": ", ".join(missing)}
        ]
    return []


def _condition_problems(field: dict, top: dict[str, dict], lookups: dict) -> list[str]:
    problems = []
    for attr in ("show_if", "required_if"):
        cond = field.get(attr)
        if not cond:
            continue
        target = cond.get("field") if isinstance(cond, dict) else None
        if not target or target not in top:
            problems.append(
                _(
                    "The field “%(field)s” has a condition on “%(target)s”, which is not a "
                    "field of the form (outside repeating groups)."
                )
                % {"field": _name(field), "target": target or "—"}
            )
            continue
        if target == field.get("key"):
            problems.append(
                _("The field “%(field)s” has a condition on itself.") % {"field": _name(field)}
            )
            continue
        if not any(k in cond for k in ("equals", "in", "filled")):
            problems.append(
                _(
                    "The condition of the field “%(field)s” says neither “equals”, “in” "
                    "nor “filled”."
                )
                % {"field": _name(field)}
            )
        lookup = top[target].get("lookup")
        values = [cond["equals"]] if "equals" in cond else list(cond.get("in") or [])
        if lookup and lookup in lookups:
            known = {v["code"] for v in lookups[lookup]}
            unknown = [str(v) for v in values if str(v) not in known]
            if unknown:
                problems.append(
                    _(
                        "The condition of the field “%(field)s” names values “%(target)s” "
                        "does not offer: %(values)s."
                    )
                    % {"field": _name(field), "target": target, "values": ", ".join(unknown)}
                )
    return problems


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _lookup_problems(field: dict, lookups: dict) -> list[str]:
    lookup, name = field.get("lookup"), _name(field)
    if not lookup or lookup not in lookups:
        return [_("The field “%(field)s” needs a lookup that exists.") % {"field": name}]
    if not lookups[lookup]:
        return [
            _("The lookup “%(lookup)s” of the field “%(field)s” has no values.")
            % {"lookup": lookup, "field": name}
        ]
    return []


def _range_problems(field: dict) -> list[str]:
    name, problems = _name(field), []
    for low, high in (("min", "max"), ("min_length", "max_length"), ("min_items", "max_items")):
        lo, hi = field.get(low), field.get(high)
        for attr, value in ((low, lo), (high, hi)):
            if value is not None and field.get("type") != "date" and not _number(value):
                problems.append(
                    _("The field “%(field)s”: “%(attr)s” must be a number.")
                    % {"field": name, "attr": attr}
                )
        if _number(lo) and _number(hi) and lo > hi:
            problems.append(
                _("The field “%(field)s”: the minimum is above the maximum.") % {"field": name}
            )
    if field.get("pattern"):
        try:
            re.compile(field["pattern"])
        except re.error:
            problems.append(
                _("The field “%(field)s” has a pattern that is not a valid regular expression.")
                % {"field": name}
            )
    return problems


def _nesting_problems(field: dict, *, in_group: bool) -> list[str]:
    kind, name = field.get("type"), _name(field)
    problems = []
    if kind == "group" and in_group:
        problems.append(
            _("The field “%(field)s”: a repeating group cannot hold another group.")
            % {"field": name}
        )
    if kind == "group" and not field.get("fields"):
        problems.append(_("The repeating group “%(field)s” has no fields.") % {"field": name})
    if kind == "core" and in_group:
        problems.append(
            _("The built-in field “%(field)s” cannot be inside a repeating group.")
            % {"field": name}
        )
    return problems


def _type_problems(field: dict, lookups: dict, *, in_group: bool) -> list[str]:
    kind = field.get("type")
    if kind not in FIELD_TYPES:
        return [_("The field “%(field)s” has an unknown type.") % {"field": _name(field)}]
    problems = _lookup_problems(field, lookups) if kind in ("choice", "multichoice") else []
    return problems + _range_problems(field) + _nesting_problems(field, in_group=in_group)


def _section_problems(content: dict, languages: list[str]) -> list[str]:
    problems: list[str] = []
    section_keys: set[str] = set()
    for n, section in enumerate(content["sections"], start=1):
        key = section.get("key") or ""
        what = _("Section %(n)s") % {"n": n}
        if not KEY_RE.match(key):
            problems.append(
                _("%(what)s needs a key of lowercase letters, digits and “_”.") % {"what": what}
            )
        elif key in section_keys:
            problems.append(_("Two sections have the key “%(key)s”.") % {"key": key})
        section_keys.add(key)
        problems += _label_problems(section, what, languages)
        if not section.get("fields"):
            problems.append(_("%(what)s has no fields.") % {"what": what})
    return problems


def _field_problems(content: dict, lookups: dict, languages: list[str]) -> list[str]:
    problems: list[str] = []
    top = top_fields(content)
    seen: set[str] = set()
    group_seen: dict[int, set[str]] = {}
    for _section, field, group in iter_fields(content):
        key = field.get("key") or ""
        if not KEY_RE.match(key):
            problems.append(
                _("A field needs a key of lowercase letters, digits and “_” (found “%(key)s”).")
                % {"key": key}
            )
        keys = seen if group is None else group_seen.setdefault(id(group), set())
        if key in keys:
            problems.append(_("Two fields have the key “%(key)s”.") % {"key": key})
        keys.add(key)
        problems += _type_problems(field, lookups, in_group=group is not None)
        if field.get("type") != "core":
            what = _("The field “%(field)s”") % {"field": key}
            problems += _label_problems(field, what, languages)
        if group is not None and (field.get("show_if") or field.get("required_if")):
            problems.append(
                _("The field “%(field)s” is inside a repeating group: it cannot have a condition.")
                % {"field": key}
            )
        problems += _condition_problems(field, top, lookups)
    return problems


def _core_problems(content: dict, stage: str) -> list[str]:
    problems = []
    core = [f["key"] for _s, f, _g in iter_fields(content) if f.get("type") == "core"]
    expected = CORE_FIELDS.get(stage, ())
    for key in core:
        if key not in expected:
            problems.append(_("“%(key)s” is not a built-in field of this stage.") % {"key": key})
    for key in expected:
        if key not in core:
            problems.append(
                _("The built-in field “%(key)s” is missing: the case's workflow needs it.")
                % {"key": key}
            )
    if not configured_fields(content) and not core:
        problems.append(_("The form has no fields."))
    return problems


def definition_problems(
    content: dict, *, stage: str, lookups: dict[str, list[dict]], languages: list[str]
) -> list[str]:
    """Why this content cannot be published (empty: it can). `lookups` maps a lookup key to
    its offered values ([{"code", "labels"}]); `languages` are those every label needs."""
    if not isinstance(content, dict) or not isinstance(content.get("sections"), list):
        return [_("The form has no sections.")]
    return (
        _section_problems(content, languages)
        + _field_problems(content, lookups, languages)
        + _core_problems(content, stage)
    )


def default_languages(office) -> list[str]:
    """The languages every label needs: the office's own (and English, the fallback) or, for
    a form of every office, all the languages the system ships."""
    if office is None:
        return [code for code, _name in settings.LANGUAGES]
    return sorted({settings.LANGUAGE_CODE, office.default_language})


# --- JSON Schema -------------------------------------------------------------------------


def _text_schema(field: dict, lookups: dict) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for attr, key in (("min_length", "minLength"), ("max_length", "maxLength")):
        if field.get(attr) is not None:
            schema[key] = field[attr]
    if field.get("pattern"):
        schema["pattern"] = field["pattern"]
    return schema


def _number_schema(field: dict, lookups: dict) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer" if field.get("integer") else "number"}
    if field.get("min") is not None:
        schema["minimum"] = field["min"]
    if field.get("max") is not None:
        schema["maximum"] = field["max"]
    return schema


def _codes(field: dict, lookups: dict) -> list[str]:
    return [v["code"] for v in lookups.get(field["lookup"], [])]


def _group_schema(field: dict, lookups: dict) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "array",
        "items": _object_schema(field.get("fields") or [], lookups),
    }
    if field.get("min_items") is not None:
        schema["minItems"] = field["min_items"]
    if field.get("max_items") is not None:
        schema["maxItems"] = field["max_items"]
    return schema


_SCHEMAS = {
    "text": _text_schema,
    "textarea": _text_schema,
    "number": _number_schema,
    "date": lambda f, lk: {"type": "string", "format": "date"},
    "boolean": lambda f, lk: {"type": "boolean"},
    "choice": lambda f, lk: {"type": "string", "enum": _codes(f, lk)},
    "multichoice": lambda f, lk: {
        "type": "array",
        "items": {"enum": _codes(f, lk)},
        "uniqueItems": True,
    },
    "person": lambda f, lk: {"type": "integer", "minimum": 1},
    "group": _group_schema,
}


def _field_schema(field: dict, lookups: dict) -> dict[str, Any]:
    return _SCHEMAS[field["type"]](field, lookups)


def _object_schema(fields: list[dict], lookups: dict) -> dict[str, Any]:
    props = {f["key"]: _field_schema(f, lookups) for f in fields if f.get("type") != "core"}
    required = [
        f["key"]
        for f in fields
        if f.get("type") != "core" and f.get("required") and not f.get("show_if")
    ]
    schema: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


def _condition_schema(cond: dict) -> dict[str, Any]:
    """The JSON Schema of `cond` holding for the answers object."""
    key = cond["field"]
    if cond.get("filled"):
        return {"required": [key]}
    values = [cond["equals"]] if "equals" in cond else list(cond.get("in") or [])
    return {
        "required": [key],
        "properties": {
            key: {"anyOf": [{"enum": values}, {"type": "array", "contains": {"enum": values}}]}
        },
    }


def json_schema(content: dict, lookups: dict[str, list[dict]]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a version's answers: types, ranges, patterns,
    lookups' codes, what is required, and the conditions (a hidden field has no answer; a
    field required when another has a value)."""
    fields = configured_fields(content)
    schema = _object_schema(fields, lookups)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    rules = []
    for field in fields:
        if field.get("show_if"):
            hidden = {"not": {"required": [field["key"]]}}
            shown = {"required": [field["key"]]} if field.get("required") else {}
            rules.append({"if": _condition_schema(field["show_if"]), "then": shown, "else": hidden})
        if field.get("required_if"):
            rules.append(
                {
                    "if": _condition_schema(field["required_if"]),
                    "then": {"required": [field["key"]]},
                }
            )
    if rules:
        schema["allOf"] = rules
    return schema
