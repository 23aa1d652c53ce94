"""Mapping files: which column of a source feeds which of our fields, and how its values read.

A mapping is JSON (docs/migration.md):

    {"name": "...", "source_system": "primero",
     "date_formats": ["%Y-%m-%d", "%d/%m/%Y"],
     "fields": {"person.given_name": "name_first", "case.external_ref": ["case_id", "id"]},
     "values": {"case.stage": {"case_plan": "planning"}, "person.sex": {"f": "female"}},
     "defaults": {"case.risk": "medium"},
     "relatives": {"list": "family_details_section",
                   "fields": {"name": "relation_name", "relationship": "relation"},
                   "values": {"relationship": {"mother": "parent"}}}}

`fields` maps our field to a source column (or a list: the first non-empty one wins);
`values` maps a source value (compared case- and accent-insensitively) to ours; a field with
no value gets its `defaults` entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from ..text import fold

MAPPINGS_DIR = Path(__file__).parent / "mappings"

# Our fields, in the order the template's columns come.
PERSON_FIELDS = (
    "external_ref",
    "name",
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
    "age",
    "national_id",
    "phone",
    "address",
)
CASE_FIELDS = (
    "external_ref",
    "category",
    "risk",
    "stage",
    "status",
    "opened_at",
    "closed_at",
    "caseworker",
    "team",
    "source",
    "presenting_concerns",
    "immediate_safety",
    "consent_to_share",
)
RELATIVE_FIELDS = (
    "name",
    "given_name",
    "family_name",
    "relationship",
    "sex",
    "date_of_birth",
    "age",
    "phone",
    "is_caregiver",
    "lives_with",
)
KNOWN_FIELDS = {f"person.{f}" for f in PERSON_FIELDS} | {f"case.{f}" for f in CASE_FIELDS}


class MappingError(ValueError):
    pass


@dataclass
class Mapping:
    name: str
    source_system: str
    fields: dict[str, list[str]]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    date_formats: list[str] = field(default_factory=lambda: ["%Y-%m-%d"])
    relatives_list: str = ""
    relative_fields: dict[str, list[str]] = field(default_factory=dict)
    relative_values: dict[str, dict[str, str]] = field(default_factory=dict)

    def get(self, record: dict, name: str):
        """The first non-empty value of `name`'s columns in `record`, else its default."""
        return pick(record, self.fields.get(name, ()), self.defaults.get(name))

    def value(self, name: str, raw) -> str | None:
        """A source value in our terms: through `values` when the field has a table (None:
        not in it), else as it came."""
        return translate(self.values.get(name), raw)


def pick(record: dict, columns, default=None):
    for column in columns:
        value = record.get(column)
        if isinstance(value, str):
            value = value.strip()
        if value not in (None, "", []):
            return value
    return default


def translate(table: dict[str, str] | None, raw) -> str | None:
    if raw is None:
        return None
    if table is None:
        return str(raw).strip()
    for item in raw if isinstance(raw, list) else [raw]:  # a multi-select: the first known
        found = table.get(fold(str(item)))
        if found is not None:
            return found
    return None


def _columns(spec) -> list[str]:
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, list) and all(isinstance(c, str) for c in spec):
        return spec
    raise MappingError(_("Each field maps to a column name or a list of column names."))


def _tables(spec) -> dict[str, dict[str, str]]:
    if not isinstance(spec, dict) or not all(isinstance(t, dict) for t in spec.values()):
        raise MappingError(_("“values” maps each field to a table of source value → our value."))
    return {name: {fold(str(k)): str(v) for k, v in t.items()} for name, t in spec.items()}


def mapping_from_dict(data) -> Mapping:
    if not isinstance(data, dict) or not isinstance(data.get("fields"), dict):
        raise MappingError(_("A mapping file is a JSON object with a “fields” object."))
    unknown = sorted(set(data["fields"]) - KNOWN_FIELDS)
    if unknown:
        raise MappingError(
            _("Unknown fields in the mapping: %(names)s.") % {"names": ", ".join(unknown)}
        )
    relatives = data.get("relatives") or {}
    return Mapping(
        name=str(data.get("name") or ""),
        source_system=str(data.get("source_system") or "import")[:40],
        fields={k: _columns(v) for k, v in data["fields"].items()},
        values=_tables(data.get("values") or {}),
        defaults={k: str(v) for k, v in (data.get("defaults") or {}).items()},
        date_formats=list(data.get("date_formats") or ["%Y-%m-%d"]),
        relatives_list=str(relatives.get("list") or ""),
        relative_fields={k: _columns(v) for k, v in (relatives.get("fields") or {}).items()},
        relative_values=_tables(relatives.get("values") or {}),
    )


def mapping_load(text: str) -> Mapping:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise MappingError(
            _("The mapping file is not valid JSON: %(error)s") % {"error": exc}
        ) from exc
    return mapping_from_dict(data)


# The mappings we ship, by the format that uses them when no mapping file is given.
BUILT_IN = {"csv": "template.json", "xlsx": "template.json"}
BUILT_IN |= {"primero-json": "primero_v2.json", "primero-csv": "primero_v2.json"}


def mapping_for(file_format: str) -> Mapping:
    return mapping_load((MAPPINGS_DIR / BUILT_IN[file_format]).read_text(encoding="utf-8"))
