"""The pages' own Django forms behind JSON, so the API validates with the same forms.

- `form_data`: a JSON object becomes the data the page's form would have posted, under the
  same field names; a list of objects becomes a formset's rows (`actions` -> `actions-0-...`
  with its management form) or a configured form's repeating group (`cf_members` ->
  `cf_members__0__...`); a list of strings is a multiple choice; true/false are a checkbox.
- `form_errors`: the forms' errors as the API's field errors.
- `describe_forms`: what to send: each field's name, label, type, choices and starting value.
"""

import datetime
import decimal
from collections.abc import Iterable
from typing import cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Model
from django.forms.formsets import (
    INITIAL_FORM_COUNT,
    MAX_NUM_FORM_COUNT,
    MIN_NUM_FORM_COUNT,
    TOTAL_FORM_COUNT,
    BaseFormSet,
)
from django.forms.models import ModelChoiceIteratorValue
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from case_flows.models.formdefs import translated

CONFIGURED_PREFIX = "cf_"
NOT_AN_OBJECT = _("Send a JSON object.")
NON_FIELD = "non_field_errors"


def body_object(request) -> dict:
    """The request's JSON body, which must be an object (400 otherwise)."""
    data = request.data
    if not isinstance(data, dict):
        raise ValidationError({NON_FIELD: [NOT_AN_OBJECT]})
    return data


def _text(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _put(data: QueryDict, name: str, value) -> None:
    if value is None:
        return
    if isinstance(value, list):
        data.setlist(name, [_text(v) for v in value if v is not None and not isinstance(v, dict)])
    elif isinstance(value, dict):
        raise ValidationError({name: [_("Send a value, not an object.")]})
    else:
        data[name] = _text(value)


def _rows(data: QueryDict, key: str, rows: list) -> None:
    if key.startswith(CONFIGURED_PREFIX):  # a configured form's repeating group
        for n, row in enumerate(rows):
            for sub, value in row.items():
                _put(data, f"{key}__{n}__{sub}", value)
        return
    management_form(data, key, len(rows))
    for n, row in enumerate(rows):
        for sub, value in row.items():
            _put(data, f"{key}-{n}-{sub}", value)


def management_form(data: QueryDict, prefix: str, total: int) -> None:
    data[f"{prefix}-{TOTAL_FORM_COUNT}"] = str(total)
    data[f"{prefix}-{INITIAL_FORM_COUNT}"] = "0"
    data[f"{prefix}-{MIN_NUM_FORM_COUNT}"] = "0"
    data[f"{prefix}-{MAX_NUM_FORM_COUNT}"] = "1000"


def form_data(body: dict) -> QueryDict:
    """The form data a page would post for this JSON object."""
    data = QueryDict(mutable=True)
    for key, value in body.items():
        if isinstance(value, list) and all(isinstance(row, dict) for row in value):
            if value or not key.startswith(CONFIGURED_PREFIX):
                _rows(data, key, value)
            continue
        _put(data, key, value)
    return data


def formsets_without_rows(forms: dict, data: QueryDict) -> list[str]:
    """Prefixes of the formsets the body did not mention: they are sent as empty (their
    management form says 0 rows) rather than refused as tampered with."""
    return [
        str(f.prefix)
        for f in forms.values()
        if isinstance(f, BaseFormSet) and f"{f.prefix}-{TOTAL_FORM_COUNT}" not in data
    ]


# --- errors ---------------------------------------------------------------------------------


def _messages(errors) -> list[str]:
    return [str(message) for message in errors]


def _form_errors(form: forms.BaseForm) -> dict:
    out: dict = {}
    for name, errors in form.errors.items():
        out[NON_FIELD if name == NON_FIELD_ERRORS else name] = _messages(errors)
    return out


def form_errors(forms_: dict) -> dict:
    """Every form's and formset's errors: {field: [messages]}, `non_field_errors` for the
    form as a whole; a formset's under its prefix, by row number."""
    errors: dict = {}
    for form in forms_.values():
        if isinstance(form, BaseFormSet):
            rows: dict = {}
            if form.non_form_errors():
                rows[NON_FIELD] = _messages(form.non_form_errors())
            for n, row in enumerate(form.forms):
                if row.errors:
                    rows[str(n)] = _form_errors(row)
            if rows:
                errors[form.prefix] = rows
        elif isinstance(form, forms.BaseForm):
            for name, messages in _form_errors(form).items():
                errors.setdefault(name, []).extend(messages)
    return errors


# --- describing what to send ----------------------------------------------------------------


def plain(value):
    """A starting value as JSON."""
    if isinstance(value, ModelChoiceIteratorValue):
        return value.value
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _kind(field: forms.Field) -> str:
    if isinstance(field, forms.BooleanField):
        return "boolean"
    if isinstance(field, forms.MultipleChoiceField):
        return "multichoice"
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return "choice"
    if isinstance(field, forms.IntegerField):
        return "integer"
    if isinstance(field, forms.DecimalField | forms.FloatField):
        return "number"
    if isinstance(field, forms.DateField):
        return "date"
    return "text"


def _choices(field: forms.Field) -> list[dict] | None:
    if not isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return None
    out: list[dict] = []
    for value, label in cast(Iterable, field.choices):
        if isinstance(label, list | tuple):  # an option group
            out.extend({"value": plain(v), "label": str(lab)} for v, lab in label)
        elif plain(value) not in ("", None):
            out.append({"value": plain(value), "label": str(label)})
    return out


def describe_field(name: str, field: forms.Field, initial=None) -> dict:
    described = {
        "name": name,
        "label": str(field.label or name),
        "type": _kind(field),
        "required": bool(field.required),
        "help_text": str(field.help_text or ""),
        "initial": plain(initial),
    }
    choices = _choices(field)
    if choices is not None:
        described["choices"] = choices
    max_length = getattr(field, "max_length", None)
    if max_length:
        described["max_length"] = max_length
    return described


def _describe_form(form: forms.BaseForm) -> list[dict]:
    if hasattr(form, "group_rows"):  # a configured form: its groups as lists
        return _describe_configured(form)
    return [
        describe_field(name, field, form.get_initial_for_field(field, name))
        for name, field in form.fields.items()
        if not isinstance(field.widget, forms.HiddenInput)
    ]


def _describe_configured(form) -> list[dict]:
    out = []
    for spec in form.specs:
        key = spec["key"]
        name = CONFIGURED_PREFIX + key
        if spec["type"] != "group":
            field = form.fields[name]
            out.append(describe_field(name, field, form.get_initial_for_field(field, name)))
            continue
        subs = []
        for sub in spec.get("fields") or []:
            row_name = f"{name}__0__{sub['key']}"
            if row_name in form.fields:
                subs.append(describe_field(sub["key"], form.fields[row_name]))
        rows = []
        for n in range(form.group_rows.get(key, 0)):
            row = {
                sub["key"]: plain(form.initial.get(f"{name}__{n}__{sub['key']}"))
                for sub in spec.get("fields") or []
            }
            if any(v not in (None, "") for v in row.values()):
                rows.append(row)
        out.append(_list_field(name, str(_group_label(spec)), subs, rows, spec.get("max_items")))
    return out


def _group_label(spec: dict) -> str:
    return translated(spec.get("label"), spec["key"])


def _list_field(name, label, subs, rows, max_items, help_text="") -> dict:
    return {
        "name": name,
        "label": label,
        "type": "list",
        "required": False,
        "help_text": help_text,
        "initial": rows,
        "max_items": max_items,
        "fields": subs,
    }


def _describe_formset(formset: BaseFormSet) -> dict:
    empty = formset.empty_form
    subs = [
        describe_field(name, field, None)
        for name, field in empty.fields.items()
        if not isinstance(field.widget, forms.HiddenInput)
    ]
    rows = [plain(row) for row in (formset.initial or [])]
    return _list_field(formset.prefix, "", subs, rows, formset.max_num)


def describe_forms(forms_: dict) -> list[dict]:
    """The fields of the forms a page shows, as one JSON object sends them."""
    out: list[dict] = []
    for form in forms_.values():
        if isinstance(form, BaseFormSet):
            out.append(_describe_formset(form))
        elif isinstance(form, forms.BaseForm):
            out.extend(_describe_form(form))
    return out
