"""Edits of a draft's content, one small change each (add, rename, move, delete a section or
a field): pure functions on a copy of the content, raising EditError with a message to show.

A field is named by a reference: its key, or "<group>.<key>" for a field of a repeating group.
"""

from __future__ import annotations

import copy

from django.utils.translation import gettext as _

from ..formdefs.content import KEY_RE


class EditError(Exception):
    """An edit that cannot be made; the message is translated and safe to show."""

    def __init__(self, message, field: str = ""):
        super().__init__(str(message))
        self.message = message
        self.field = field


def _sections(content: dict) -> list[dict]:
    sections = content.get("sections")
    return sections if isinstance(sections, list) else []


def section_index(content: dict, key: str) -> int:
    for n, section in enumerate(_sections(content)):
        if section.get("key") == key:
            return n
    raise EditError(_("This section is not in the draft any more."))


def locate(content: dict, ref: str) -> tuple[dict, list[dict], int, dict | None]:
    """(section, the list holding the field, its index there, its group or None)."""
    group_key, _dot, key = ref.rpartition(".")
    for section in _sections(content):
        fields = section.get("fields") or []
        for n, field in enumerate(fields):
            if not group_key and field.get("key") == key:
                return section, fields, n, None
            if group_key and field.get("key") == group_key and field.get("type") == "group":
                subs = field.get("fields") or []
                for m, sub in enumerate(subs):
                    if sub.get("key") == key:
                        return section, subs, m, field
    raise EditError(_("This field is not in the draft any more."))


def field_at(content: dict, ref: str) -> dict:
    _section, fields, n, _group = locate(content, ref)
    return fields[n]


def _check_key(key: str, taken: set[str]) -> None:
    if not KEY_RE.match(key or ""):
        raise EditError(
            _("Use lowercase letters, digits and “_”, starting with a letter."), field="key"
        )
    if key in taken:
        raise EditError(_("The key “%(key)s” is used already in this form.") % {"key": key}, "key")


def top_keys(content: dict) -> set[str]:
    return {f.get("key") for s in _sections(content) for f in s.get("fields") or []}


# --- sections -----------------------------------------------------------------------------------


def section_add(content: dict, *, key: str, label: dict) -> dict:
    out = copy.deepcopy(content) if content else {}
    sections = out.setdefault("sections", [])
    _check_key(key, {s.get("key") for s in sections})
    sections.append({"key": key, "label": label, "fields": []})
    return out


def section_rename(content: dict, *, key: str, label: dict) -> dict:
    out = copy.deepcopy(content)
    out["sections"][section_index(out, key)]["label"] = label
    return out


def section_move(content: dict, *, key: str, up: bool) -> dict:
    out = copy.deepcopy(content)
    n = section_index(out, key)
    other = n - 1 if up else n + 1
    sections = out["sections"]
    if 0 <= other < len(sections):
        sections[n], sections[other] = sections[other], sections[n]
    return out


def section_delete(content: dict, *, key: str) -> dict:
    out = copy.deepcopy(content)
    n = section_index(out, key)
    if out["sections"][n].get("fields"):
        raise EditError(_("Only an empty section can be deleted: move or delete its fields first."))
    del out["sections"][n]
    return out


# --- fields -------------------------------------------------------------------------------------


def field_add(content: dict, *, section: str, field: dict, group: str = "") -> dict:
    """Append a field to a section, or to a repeating group (`group`: its key)."""
    out = copy.deepcopy(content)
    target = out["sections"][section_index(out, section)]
    if group:
        holder = field_at(out, group)
        if holder.get("type") != "group":
            raise EditError(_("Only a repeating group holds fields of its own."))
        if field.get("type") in ("group", "core"):
            raise EditError(
                _("A repeating group cannot hold a group or a built-in field."), field="type"
            )
        subs = holder.setdefault("fields", [])
        _check_key(field.get("key", ""), {f.get("key") for f in subs})
        subs.append(field)
        return out
    _check_key(field.get("key", ""), top_keys(out))
    target.setdefault("fields", []).append(field)
    return out


def field_update(content: dict, *, ref: str, changes: dict, removed: tuple[str, ...] = ()) -> dict:
    """Set some attributes of a field (its key and type stay) and drop others."""
    out = copy.deepcopy(content)
    field = field_at(out, ref)
    if field.get("type") == "core":
        raise EditError(_("A built-in field is edited in the code, not here; it can be moved."))
    for attr in removed:
        field.pop(attr, None)
    field.update({k: v for k, v in changes.items() if k not in ("key", "type")})
    return out


def field_move(content: dict, *, ref: str, up: bool) -> dict:
    """Up or down within its section (or group); past the first or last place of a section,
    into the end of the section before or the start of the one after."""
    out = copy.deepcopy(content)
    section, fields, n, group = locate(out, ref)
    other = n - 1 if up else n + 1
    if 0 <= other < len(fields):
        fields[n], fields[other] = fields[other], fields[n]
        return out
    if group is not None:
        return out
    sections = out["sections"]
    s = next(i for i, candidate in enumerate(sections) if candidate is section)
    neighbour = s - 1 if up else s + 1
    if 0 <= neighbour < len(sections):
        field = fields.pop(n)
        target = sections[neighbour].setdefault("fields", [])
        if up:
            target.append(field)
        else:
            target.insert(0, field)
    return out


def field_delete(content: dict, *, ref: str) -> dict:
    out = copy.deepcopy(content)
    _section, fields, n, _group = locate(out, ref)
    if fields[n].get("type") == "core":
        raise EditError(
            _("A built-in field cannot be deleted: the case's workflow needs it. It can be moved.")
        )
    named = fields[n].get("key")
    used_by = [
        f.get("key")
        for s in _sections(out)
        for f in s.get("fields") or []
        for attr in ("show_if", "required_if")
        if isinstance(f.get(attr), dict) and f[attr].get("field") == named and "." not in ref
    ]
    if used_by:
        raise EditError(
            _("The field “%(field)s” is named by the condition of: %(others)s. Change those first.")
            % {"field": named, "others": ", ".join(sorted(set(used_by)))}
        )
    del fields[n]
    return out


def core_restore(content: dict, *, section: str, key: str) -> dict:
    """Put a missing built-in field back (at the end of a section)."""
    out = copy.deepcopy(content)
    if key in top_keys(out):
        return out
    out["sections"][section_index(out, section)].setdefault("fields", []).append(
        {"key": key, "type": "core"}
    )
    return out
