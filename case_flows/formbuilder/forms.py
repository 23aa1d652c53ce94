"""The builder's small forms: a lookup and its values, a new definition, a section, a new
field, and one field's settings. Labels are asked per language the system ships."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from ..formdefs.content import FIELD_TYPES, KEY_RE
from ..models import FormStage
from ..models.formdefs import translated

KEY_VALIDATOR = RegexValidator(
    KEY_RE, _("Use lowercase letters, digits and “_”, starting with a letter.")
)
TYPE_LABELS = {
    # Not "Text": that msgid is also a message's body ("Treść"); this is the short answer.
    "text": _("Short text"),
    "textarea": _("Long text"),
    "number": _("Number"),
    "date": _("Date"),
    "boolean": _("Yes / no"),
    "choice": _("One choice from a lookup"),
    "multichoice": _("Several choices from a lookup"),
    "person": _("A person from the registry"),
    "group": _("Repeating group (rows)"),
}
OPERATORS = [
    ("", _("Always")),
    ("equals", _("when the field equals")),
    ("in", _("when the field is one of (separated by commas)")),
    ("filled", _("when the field is filled")),
]


def languages() -> list[tuple[str, object]]:
    return list(settings.LANGUAGES)


def key_field(label=None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Key"),
        max_length=60,
        validators=[KEY_VALIDATOR],
        help_text=_("Lowercase letters, digits and “_”; it cannot change later."),
    )


def add_label_fields(form: forms.Form, prefix: str, what, *, required_first=True, **kw) -> None:
    """One text box per language: `<prefix>_<lang>` labelled "<what> (<language>)"."""
    for n, (code, name) in enumerate(languages()):
        form.fields[f"{prefix}_{code}"] = forms.CharField(
            label=_("%(what)s (%(language)s)") % {"what": what, "language": name},
            required=required_first and n == 0,
            max_length=500,
            **kw,
        )


def labels_from(data: dict, prefix: str) -> dict:
    return {
        code: data[f"{prefix}_{code}"].strip()
        for code, _name in languages()
        if (data.get(f"{prefix}_{code}") or "").strip()
    }


def labels_initial(labels: dict | None, prefix: str) -> dict:
    return {f"{prefix}_{code}": (labels or {}).get(code, "") for code, _name in languages()}


# --- lookups ------------------------------------------------------------------------------------


class LookupForm(forms.Form):
    def __init__(self, *args, new: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if new:
            self.fields["key"] = key_field()
        add_label_fields(self, "name", _("Name"))


class LookupValueForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=60, required=False)
    offered = forms.BooleanField(label=_("Offered"), required=False, initial=True)
    order = forms.IntegerField(label=_("Order"), required=False, min_value=0, max_value=9999)

    def __init__(self, *args, existing: bool = False, number: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        add_label_fields(self, "label", _("Label"), required_first=False)
        self.existing = existing
        self.number = number  # "Value 2" on the page: errors name it
        if existing:
            # A value's code is what records store: it never changes.
            self.fields["code"].disabled = True

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not data.get("code") and not labels_from(data, "label")

    def clean(self):
        data = super().clean()
        if not self.existing and not data.get("code") and labels_from(data, "label"):
            self.add_error("code", _("Value %(n)s needs a code.") % {"n": self.number or ""})
        if data.get("code") and not labels_from(data, "label"):
            self.add_error(
                f"label_{languages()[0][0]}",
                _("Value %(n)s (code “%(code)s”) needs a label.")
                % {"n": self.number or "", "code": data["code"]},
            )
        return data


class BaseValueFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        return {
            "existing": index is not None and index < self.initial_form_count(),
            "number": None if index is None else index + 1,
        }

    def clean(self):
        if any(self.errors):
            return
        codes = [f.cleaned_data.get("code") for f in self.forms if f.cleaned_data.get("code")]
        if len(codes) != len(set(codes)):
            raise forms.ValidationError(_("Two values have the same code."))

    def values(self) -> list[dict]:
        """The values for lookup_save, in the order asked (then as listed)."""
        rows = []
        for n, form in enumerate(self.forms):
            data = form.cleaned_data
            if form.is_blank():
                continue
            order = data.get("order")
            rows.append(
                (
                    order if order is not None else 10000 + n,
                    n,
                    {
                        "code": data["code"],
                        "labels": labels_from(data, "label"),
                        "active": bool(data.get("offered")),
                    },
                )
            )
        return [value for _order, _n, value in sorted(rows, key=lambda r: (r[0], r[1]))]


LookupValueFormSet = forms.formset_factory(
    LookupValueForm, formset=BaseValueFormSet, extra=3, max_num=200, absolute_max=300
)


# --- definitions --------------------------------------------------------------------------------


class DefinitionCreateForm(forms.Form):
    def __init__(self, *args, may_make_global: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"] = key_field()
        add_label_fields(self, "name", _("Name"))
        self.fields["stage"] = forms.ChoiceField(label=_("Stage"), choices=FormStage.choices)
        if may_make_global:
            self.fields["every_office"] = forms.BooleanField(
                label=_("For every office"),
                required=False,
                help_text=_("Offered to every office; only national administrators edit it."),
            )


class DefinitionRenameForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_label_fields(self, "name", _("Name"))


class SectionForm(forms.Form):
    def __init__(self, *args, new: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if new:
            self.fields["key"] = key_field()
        add_label_fields(self, "label", _("Section title"))


class FieldAddForm(forms.Form):
    def __init__(self, *args, lookups: list[tuple[str, str]], in_group: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"] = key_field()
        types = [(t, TYPE_LABELS[t]) for t in FIELD_TYPES if t in TYPE_LABELS]
        if in_group:
            types = [(t, label) for t, label in types if t != "group"]
        self.fields["type"] = forms.ChoiceField(label=_("Type"), choices=types)
        add_label_fields(self, "label", _("Label"))
        self.fields["lookup"] = forms.ChoiceField(
            label=_("Lookup (for a choice)"),
            required=False,
            choices=[("", "—"), *lookups],
        )

    def clean(self):
        data = super().clean()
        if data.get("type") in ("choice", "multichoice") and not data.get("lookup"):
            self.add_error("lookup", _("A choice field needs a lookup."))
        return data

    def spec(self) -> dict:
        data = self.cleaned_data
        spec = {"key": data["key"], "type": data["type"], "label": labels_from(data, "label")}
        if data["type"] in ("choice", "multichoice"):
            spec["lookup"] = data["lookup"]
        if data["type"] == "group":
            spec["fields"] = []
        return spec


# --- one field's settings -----------------------------------------------------------------------

NUMBER_ATTRS = ("min", "max")
LENGTH_ATTRS = ("min_length", "max_length")
ITEMS_ATTRS = ("min_items", "max_items")


def _condition_fields(form: forms.Form, attr: str, title, targets) -> None:
    form.fields[f"{attr}_field"] = forms.ChoiceField(
        label=_("%(what)s: the field") % {"what": title},
        required=False,
        choices=[("", "—"), *targets],
    )
    form.fields[f"{attr}_op"] = forms.ChoiceField(
        label=_("%(what)s: the rule") % {"what": title}, required=False, choices=OPERATORS
    )
    form.fields[f"{attr}_value"] = forms.CharField(
        label=_("%(what)s: the value(s)") % {"what": title},
        required=False,
        max_length=500,
        help_text=_("For a choice, its code; for yes/no, “yes” or “no”."),
    )


class FieldEditForm(forms.Form):
    """The settings of one field; which appear depends on its type."""

    def __init__(self, *args, spec: dict, top: dict[str, dict], lookups, in_group=False, **kw):
        super().__init__(*args, **kw)
        self.spec, self.top, self.in_group = spec, top, in_group
        kind = self.kind = spec["type"]
        add_label_fields(self, "label", _("Label"))
        add_label_fields(self, "help", _("Help text"), required_first=False)
        self.fields["required"] = forms.BooleanField(label=_("Required"), required=False)
        if not in_group and kind != "group":
            self.fields["searchable"] = forms.BooleanField(
                label=_("Searchable"),
                required=False,
                help_text=_("Cases can be found by this answer."),
            )
        if kind in ("choice", "multichoice"):
            self.fields["lookup"] = forms.ChoiceField(label=_("Lookup"), choices=lookups)
        if kind == "number":
            self.fields["min"] = forms.DecimalField(label=_("Lowest value"), required=False)
            self.fields["max"] = forms.DecimalField(label=_("Highest value"), required=False)
            self.fields["integer"] = forms.BooleanField(
                label=_("Whole numbers only"), required=False
            )
        if kind == "date":
            hint = _("A date (YYYY-MM-DD) or “today”.")
            self.fields["min"] = forms.CharField(
                label=_("Earliest date"), required=False, help_text=hint
            )
            self.fields["max"] = forms.CharField(
                label=_("Latest date"), required=False, help_text=hint
            )
        if kind in ("text", "textarea"):
            self.fields["min_length"] = forms.IntegerField(
                label=_("Shortest length"), required=False, min_value=0
            )
            self.fields["max_length"] = forms.IntegerField(
                label=_("Longest length"), required=False, min_value=1
            )
            self.fields["pattern"] = forms.CharField(
                label=_("Pattern (regular expression)"), required=False, max_length=300
            )
            add_label_fields(
                self,
                "pattern_message",
                _("Message when the pattern does not match"),
                required_first=False,
            )
        if kind == "group":
            self.fields["min_items"] = forms.IntegerField(
                label=_("Fewest rows"), required=False, min_value=0
            )
            self.fields["max_items"] = forms.IntegerField(
                label=_("Most rows"), required=False, min_value=1
            )
        if not in_group:
            targets = [
                (key, f"{translated(f.get('label'), key)} ({key})")
                for key, f in top.items()
                if key != spec["key"] and f.get("type") not in ("core", "group")
            ]
            _condition_fields(self, "show_if", _("Show only"), targets)
            _condition_fields(self, "required_if", _("Required only"), targets)
        if not self.is_bound:
            self.initial.update(self._initial())

    def _initial(self) -> dict:
        spec = self.spec
        out = {
            **labels_initial(spec.get("label"), "label"),
            **labels_initial(spec.get("help"), "help"),
        }
        out.update(labels_initial(spec.get("pattern_message"), "pattern_message"))
        for attr in (
            "required",
            "searchable",
            "lookup",
            "integer",
            "pattern",
            *NUMBER_ATTRS,
            *LENGTH_ATTRS,
            *ITEMS_ATTRS,
        ):
            if attr in spec:
                out[attr] = spec[attr]
        for attr in ("show_if", "required_if"):
            cond = spec.get(attr)
            if isinstance(cond, dict):
                out[f"{attr}_field"] = cond.get("field", "")
                if cond.get("filled"):
                    out[f"{attr}_op"] = "filled"
                elif "in" in cond:
                    out[f"{attr}_op"] = "in"
                    out[f"{attr}_value"] = ", ".join(_shown(v) for v in cond["in"])
                elif "equals" in cond:
                    out[f"{attr}_op"] = "equals"
                    out[f"{attr}_value"] = _shown(cond["equals"])
        return out

    def _value_for(self, target: dict, text: str, attr: str):
        kind = target.get("type")
        if kind == "boolean":
            found = {"yes": True, "true": True, "no": False, "false": False}.get(text.lower())
            if found is None:
                self.add_error(f"{attr}_value", _("For a yes/no field, write “yes” or “no”."))
            return found
        if kind == "number":
            try:
                number = Decimal(text)
            except ArithmeticError:
                self.add_error(f"{attr}_value", _("Write a number."))
                return None
            return int(number) if number == number.to_integral_value() else float(number)
        return text

    def _condition(self, attr: str):
        data = self.cleaned_data
        target_key, op = data.get(f"{attr}_field"), data.get(f"{attr}_op")
        text = (data.get(f"{attr}_value") or "").strip()
        if not target_key and not op:
            return None
        if not target_key or not op:
            self.add_error(f"{attr}_field", _("Choose both the field and the rule, or neither."))
            return None
        target = self.top.get(target_key, {})
        if op == "filled":
            return {"field": target_key, "filled": True}
        parts = [p.strip() for p in text.split(",")] if op == "in" else [text]
        parts = [p for p in parts if p]
        if not parts:
            self.add_error(f"{attr}_value", _("Write the value the rule compares with."))
            return None
        values = [self._value_for(target, p, attr) for p in parts]
        if op == "in":
            return {"field": target_key, "in": values}
        return {"field": target_key, "equals": values[0]}

    def _date_bound(self, attr: str):
        text = (self.cleaned_data.get(attr) or "").strip()
        if not text or text == "today":
            return text or None
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            self.add_error(attr, _("Write a date as YYYY-MM-DD, or “today”."))
        return text

    def clean(self):
        data = super().clean()
        pattern = data.get("pattern")
        if pattern:
            import re

            try:
                re.compile(pattern)
            except re.error:
                self.add_error("pattern", _("This is not a valid regular expression."))
        for low, high in (NUMBER_ATTRS, LENGTH_ATTRS, ITEMS_ATTRS):
            lo, hi = data.get(low), data.get(high)
            if self.kind != "date" and lo is not None and hi is not None and lo > hi:
                self.add_error(high, _("The highest is below the lowest."))
        self.date_bounds = (
            {attr: self._date_bound(attr) for attr in NUMBER_ATTRS} if self.kind == "date" else {}
        )
        self.conditions = (
            {} if self.in_group else {a: self._condition(a) for a in ("show_if", "required_if")}
        )
        return data

    def _type_changes(self, put) -> None:
        data = self.cleaned_data
        if self.kind == "number":
            for attr in NUMBER_ATTRS:
                put(attr, _plain_number(data.get(attr)))
            put("integer", data.get("integer"))
        if self.kind == "date":
            for attr in NUMBER_ATTRS:
                put(attr, self.date_bounds.get(attr))
        if self.kind in ("text", "textarea"):
            for attr in LENGTH_ATTRS:
                put(attr, data.get(attr))
            put("pattern", data.get("pattern"))
            put("pattern_message", labels_from(data, "pattern_message"))
        if self.kind == "group":
            for attr in ITEMS_ATTRS:
                put(attr, data.get(attr))

    def changes(self) -> tuple[dict, tuple[str, ...]]:
        """(attributes to set, attributes to drop), after is_valid()."""
        data = self.cleaned_data
        changes: dict = {"label": labels_from(data, "label")}
        removed: list[str] = []

        def put(attr, value):
            if value is None or value is False or value in ("", {}):  # 0 is a value
                removed.append(attr)
            else:
                changes[attr] = value

        put("help", labels_from(data, "help"))
        put("required", data.get("required"))
        if "searchable" in self.fields:
            put("searchable", data.get("searchable"))
        if "lookup" in self.fields:
            changes["lookup"] = data["lookup"]
        self._type_changes(put)
        for attr, cond in self.conditions.items():
            put(attr, cond)
        return changes, tuple(removed)


def _plain_number(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _shown(value) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


class CaseTypeForm(forms.Form):
    """The forms of one row of the case types page (a category, or every category)."""

    def __init__(self, *args, choices_by_stage: dict[str, list], **kwargs):
        super().__init__(*args, **kwargs)
        for stage, label in FormStage.choices:
            self.fields[stage] = forms.ChoiceField(
                label=label, required=False, choices=choices_by_stage[stage]
            )
