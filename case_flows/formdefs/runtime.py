"""A published version at work: the Django form a task page shows for its configured fields,
the server-side check of answers against the version's JSON Schema, and the answers shown
back (case page, exports, subject access) with the labels they were written with.

The form's fields are named `cf_<key>`; a repeating group's rows `cf_<group>__<n>__<key>`
(rows added in the browser post the next n). The form's `answers()` is the JSON stored on the
stage record.
"""

from __future__ import annotations

import datetime
import decimal
import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from jsonschema import Draft202012Validator, FormatChecker

from ..models import FormVersion, Person
from ..models.formdefs import translated
from .content import configured_fields, iter_fields

PREFIX = "cf_"
YES_NO_CHOICES = [
    ("", gettext_lazy("Choose…")),
    ("yes", gettext_lazy("Yes")),
    ("no", gettext_lazy("No")),
]


def _choices(version: FormVersion, field: dict, *, blank: bool) -> list[tuple[str, str]]:
    values = [
        (v["code"], translated(v.get("labels"), v["code"]))
        for v in version.lookups.get(field.get("lookup") or "", [])
        if v.get("active", True)
    ]
    return [("", _("Choose…")), *values] if blank else values


def _date_bound(value) -> datetime.date | None:
    if value == "today":
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def form_field(version: FormVersion, spec: dict) -> forms.Field:
    """The Django field for one configured field (not core, not group). Never required at
    this level: requirement depends on conditions, checked in the form's clean()."""
    kind = spec["type"]
    common: dict[str, Any] = {
        "label": translated(spec.get("label"), spec["key"]),
        "help_text": translated(spec.get("help")),
        "required": False,
    }
    if kind in ("text", "textarea"):
        validators = []
        if spec.get("pattern"):
            message = translated(spec.get("pattern_message")) or _(
                "Enter a value in the expected format."
            )
            validators.append(_pattern_validator(spec["pattern"], message))
        widget = forms.Textarea(attrs={"rows": 3}) if kind == "textarea" else forms.TextInput
        return forms.CharField(
            min_length=spec.get("min_length"),
            max_length=spec.get("max_length"),
            validators=validators,
            widget=widget,
            **common,
        )
    if kind == "number":
        cls = forms.IntegerField if spec.get("integer") else forms.DecimalField
        return cls(min_value=spec.get("min"), max_value=spec.get("max"), **common)
    if kind == "date":
        return _BoundedDateField(
            low=_date_bound(spec.get("min")),
            high=_date_bound(spec.get("max")),
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **common,
        )
    if kind == "boolean":
        return forms.ChoiceField(choices=YES_NO_CHOICES, **common)
    if kind == "choice":
        return forms.ChoiceField(choices=_choices(version, spec, blank=True), **common)
    if kind == "multichoice":
        return forms.MultipleChoiceField(
            choices=_choices(version, spec, blank=False),
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    if kind == "person":
        return PersonField(**common)
    raise ValueError(kind)


def _pattern_validator(pattern: str, message: str):
    compiled = re.compile(pattern)

    def check(value):
        if value and not compiled.search(value):
            raise ValidationError(message, code="pattern")

    return check


class _BoundedDateField(forms.DateField):
    def __init__(self, *, low=None, high=None, **kwargs):
        self.low, self.high = low, high
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and self.low and value < self.low:
            raise ValidationError(
                _("The date cannot be before %(date)s.") % {"date": formats.date_format(self.low)}
            )
        if value and self.high and value > self.high:
            raise ValidationError(
                _("The date cannot be after %(date)s.") % {"date": formats.date_format(self.high)}
            )


class PersonField(forms.TypedChoiceField):
    """A registry person, chosen among the case's people (selectors.case_people: the client,
    their relatives and household); the form sets the choices. A posted id outside them (a
    person of another office, say) is refused like any choice not offered."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, empty_value=None, choices=[("", _("Choose…"))], **kwargs)
        self.widget.attrs["data-person-picker"] = "1"
        self.find_person_url = ""  # where to find someone else (the case's relatives page)

    def offer(self, people: list[tuple[int, str]], find_person_url: str) -> None:
        self.choices = [("", _("Choose…")), *people]
        self.find_person_url = find_person_url


def _to_json(spec: dict, value):
    """A cleaned form value as the JSON the schema expects (None: no answer)."""
    kind = spec["type"]
    if value in (None, "", []):
        return None
    if kind == "boolean":
        return {"yes": True, "no": False}.get(value)
    if kind == "date":
        return value.isoformat()
    if kind == "number":
        return int(value) if spec.get("integer") else float(value)
    if kind == "multichoice":
        return list(value)
    return value


def _from_json(spec: dict, value):
    """A stored answer as the form's initial value."""
    if value is None:
        return None
    if spec["type"] == "boolean":
        return "yes" if value else "no"
    return value


def _condition_holds(cond: dict, answers: dict) -> bool:
    value = answers.get(cond["field"])
    if cond.get("filled"):
        return value not in (None, "", [])
    expected = [cond["equals"]] if "equals" in cond else list(cond.get("in") or [])
    if isinstance(value, list):
        return any(v in expected for v in value)
    return value in expected


def visible(spec: dict, answers: dict) -> bool:
    return not spec.get("show_if") or _condition_holds(spec["show_if"], answers)


def required(spec: dict, answers: dict) -> bool:
    return bool(spec.get("required")) or bool(
        spec.get("required_if") and _condition_holds(spec["required_if"], answers)
    )


class ConfiguredForm(forms.Form):
    """The configured fields of one version, bound to a task page's POST."""

    def __init__(
        self,
        data=None,
        *,
        version: FormVersion,
        answers: dict | None = None,
        people: list[tuple[int, str]] | None = None,
        find_person_url: str = "",
        **kw,
    ):
        """`people`: the (id, label) a person field may name (the case's people; none in
        the builder's preview); `find_person_url`: where to find someone else."""
        super().__init__(data, **kw)
        self.version = version
        self.specs = configured_fields(version.content)
        self.group_rows: dict[str, int] = {}
        answers = answers or {}
        for spec in self.specs:
            if spec["type"] == "group":
                self._add_group(spec, data, answers.get(spec["key"]) or [])
                continue
            name = PREFIX + spec["key"]
            self.fields[name] = form_field(version, spec)
            self.fields[name].spec = spec  # type: ignore[attr-defined]
            self.initial[name] = _from_json(spec, answers.get(spec["key"]))
        for form_field_ in self.fields.values():
            if isinstance(form_field_, PersonField):
                form_field_.offer(people or [], find_person_url)

    def _add_group(self, spec: dict, data, rows: list[dict]) -> None:
        """As many rows as stored (or posted), plus one empty row to add another."""
        key = spec["key"]
        posted = 0
        if data is not None:
            pattern = re.compile(rf"^{PREFIX}{key}__(\d+)__")
            numbers = [int(m.group(1)) for name in data if (m := pattern.match(name))]
            posted = max(numbers) + 1 if numbers else 0
        count = max(len(rows), posted) + 1
        if spec.get("max_items") is not None:
            count = min(count, max(spec["max_items"], len(rows)))
        self.group_rows[key] = count
        for n in range(count):
            row = rows[n] if n < len(rows) else {}
            for sub in spec.get("fields") or []:
                name = f"{PREFIX}{key}__{n}__{sub['key']}"
                self.fields[name] = form_field(self.version, sub)
                self.fields[name].spec = sub  # type: ignore[attr-defined]
                self.initial[name] = _from_json(sub, row.get(sub["key"]))

    # --- what the page renders ------------------------------------------------------------

    def bound_field(self, key: str):
        return self[PREFIX + key]

    def group_row_fields(self, spec: dict) -> list[list]:
        key = spec["key"]
        return [
            [self[f"{PREFIX}{key}__{n}__{sub['key']}"] for sub in spec.get("fields") or []]
            for n in range(self.group_rows.get(key, 0))
        ]

    # --- validation ------------------------------------------------------------------------

    def _group_answers(self, spec: dict, cleaned: dict) -> list[dict]:
        rows = []
        for n in range(self.group_rows.get(spec["key"], 0)):
            row = {}
            for sub in spec.get("fields") or []:
                value = _to_json(sub, cleaned.get(f"{PREFIX}{spec['key']}__{n}__{sub['key']}"))
                if value is not None:
                    row[sub["key"]] = value
            if row:  # an empty row is the "add another" row left blank
                rows.append((n, row))
        for n, row in rows:
            for sub in spec.get("fields") or []:
                if sub.get("required") and sub["key"] not in row:
                    self.add_error(
                        f"{PREFIX}{spec['key']}__{n}__{sub['key']}", _("This field is required.")
                    )
        return [row for _n, row in rows]

    def _collect(self, cleaned: dict) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for spec in self.specs:
            if spec["type"] == "group":
                rows = self._group_answers(spec, cleaned)
                if rows:
                    answers[spec["key"]] = rows
                continue
            value = _to_json(spec, cleaned.get(PREFIX + spec["key"]))
            if value is not None:
                answers[spec["key"]] = value
        return answers

    def _require(self, spec: dict) -> None:
        name = PREFIX + spec["key"]
        if spec["type"] == "group":
            name = f"{PREFIX}{spec['key']}__0__{spec['fields'][0]['key']}"
        if name in self.fields and name not in self.errors:
            self.add_error(name, _("This field is required."))

    def _check_rows(self, spec: dict, count: int) -> None:
        low, high = spec.get("min_items"), spec.get("max_items")
        if (low and count < low) or (high is not None and count > high):
            self.add_error(
                None,
                _("“%(label)s” needs between %(low)s and %(high)s rows.")
                % {
                    "label": translated(spec.get("label"), spec["key"]),
                    "low": low or 0,
                    "high": high if high is not None else "∞",
                },
            )

    def clean(self):
        cleaned = super().clean()
        answers = self._collect(cleaned)
        for spec in self.specs:  # conditions, in the order of the form
            key = spec["key"]
            if not visible(spec, answers):
                answers.pop(key, None)  # a hidden field keeps no answer
                continue
            if required(spec, answers) and key not in answers:
                self._require(spec)
            if spec["type"] == "group":
                self._check_rows(spec, len(answers.get(key, [])))
        if not self.errors:
            for message in schema_errors(self.version, answers):
                self.add_error(None, message)
        self.answers_value = answers
        return cleaned

    def answers(self) -> dict:
        """The answers to store; call after is_valid()."""
        return self.answers_value


def schema_errors(version: FormVersion, answers: dict) -> list[str]:
    """The server's last word: the answers against the version's JSON Schema (what an API
    or an import sends is checked by this alone)."""
    validator = Draft202012Validator(version.json_schema, format_checker=FormatChecker())
    out = []
    for error in sorted(validator.iter_errors(answers), key=lambda e: list(e.path)):
        where = ".".join(str(p) for p in error.path) or "—"
        out.append(
            _("The answer “%(where)s” is not valid for this form: %(why)s")
            % {"where": where, "why": error.message}
        )
    return out


# --- showing answers back ---------------------------------------------------------------


@dataclass
class ShownAnswer:
    key: str
    label: str
    value: str = ""
    rows: list[list[tuple[str, str]]] = field(default_factory=list)  # a group's rows
    is_group: bool = False


@dataclass
class ShownSection:
    key: str
    label: str
    answers: list[ShownAnswer] = field(default_factory=list)


def display_value(version: FormVersion, spec: dict, value, people: dict | None = None) -> str:
    """One answer as text in the user's language (labels as the version had them)."""
    if value in (None, "", []):
        return ""
    kind = spec["type"]
    if kind == "boolean":
        return _("Yes") if value else _("No")
    if kind in ("choice", "multichoice"):
        labels = {
            v["code"]: translated(v.get("labels"), v["code"])
            for v in version.lookups.get(spec.get("lookup") or "", [])
        }
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(v, str(v)) for v in values)
    if kind == "date":
        try:
            return formats.date_format(datetime.date.fromisoformat(value))
        except (TypeError, ValueError):
            return str(value)
    if kind == "number":
        return _number_text(value)
    if kind == "person":
        person = (people or {}).get(value)
        return str(person) if person is not None else _("Person no. %(id)s") % {"id": value}
    return str(value)


def _number_text(value) -> str:
    """A number as the user's locale writes it; a whole number without decimals (7, never
    7.0, however it was stored), others as stored (12,5 in Polish)."""
    try:
        number = decimal.Decimal(str(value))
    except (decimal.InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    if number == number.to_integral_value():
        number = number.quantize(decimal.Decimal(1))
    else:
        number = number.normalize()
    return formats.number_format(number)


def people_answered(version: FormVersion | None, answers: dict) -> list[int]:
    """The registry people a record's person fields name (to load them once for many)."""
    if version is None:
        return []
    out = []
    for _s, f, group in iter_fields(version.content):
        if f.get("type") != "person":
            continue
        rows = [answers] if group is None else answers.get(group["key"]) or []
        for row in rows if isinstance(rows, list) else []:
            value = row.get(f["key"]) if isinstance(row, dict) else None
            if isinstance(value, int) and not isinstance(value, bool):
                out.append(value)
    return out


def answers_shown(
    version: FormVersion | None, answers: dict, people: dict | None = None
) -> list[ShownSection]:
    """The configured answers of a record by section, with the labels of the version it was
    written with; a field the version did not have is not there; an unanswered one is empty.
    `people`: the registry people by id when the caller loaded them for many records."""
    if version is None:
        return []
    if people is None:
        people_ids = people_answered(version, answers)
        people = {p.pk: p for p in Person.objects.filter(pk__in=people_ids)} if people_ids else {}
    sections = []
    for section in version.content.get("sections") or []:
        shown = ShownSection(section.get("key", ""), translated(section.get("label"), ""))
        for spec in section.get("fields") or []:
            if spec.get("type") == "core":
                continue
            label = translated(spec.get("label"), spec["key"])
            if spec["type"] == "group":
                subs = spec.get("fields") or []
                rows = [
                    [
                        (
                            translated(s.get("label"), s["key"]),
                            display_value(version, s, r.get(s["key"]), people),
                        )
                        for s in subs
                    ]
                    for r in answers.get(spec["key"]) or []
                ]
                shown.answers.append(ShownAnswer(spec["key"], label, rows=rows, is_group=True))
            else:
                value = display_value(version, spec, answers.get(spec["key"]), people)
                shown.answers.append(ShownAnswer(spec["key"], label, value))
        if shown.answers:
            sections.append(shown)
    return sections


def flat_answers(
    version: FormVersion | None, answers: dict, people: dict | None = None
) -> dict[str, str]:
    """Answers as one text per field key, for exports and the subject-access file (a group's
    rows joined by "; ")."""
    out: dict[str, str] = {}
    for section in answers_shown(version, answers, people):
        for answer in section.answers:
            if answer.is_group:
                out[answer.key] = "; ".join(
                    ", ".join(f"{label}: {value}" for label, value in row if value)
                    for row in answer.rows
                )
            else:
                out[answer.key] = answer.value
    return out
