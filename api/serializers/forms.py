"""The pages' forms in the schema: a request body or query parameters described from a
form's own fields (the form validates; this only documents), and what a task's form looks
like to a client (api/formdata.describe_forms)."""

from collections.abc import Iterable
from typing import cast

from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


def _values(field: forms.Field) -> list:
    """A choice field's values, without the blank "Choose…" option."""
    choices = cast(Iterable, getattr(field, "choices", []))
    return [value for value, _label in choices if value not in ("", None)]


def _field(field: forms.Field) -> serializers.Field:
    common = {
        "required": bool(field.required),
        "help_text": str(field.help_text or field.label or ""),
    }
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(**common)
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(**common)
    if isinstance(field, forms.MultipleChoiceField):
        return serializers.ListField(child=serializers.CharField(), **common)
    if isinstance(field, forms.ChoiceField):
        choices = _values(field)
        return serializers.ChoiceField(choices=choices, **common)
    if isinstance(field, forms.IntegerField):
        return serializers.IntegerField(**common)
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(max_digits=20, decimal_places=4, **common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(**common)
    return serializers.CharField(**common)


def serializer_for_form(
    name: str, form_class: type[forms.Form], *, exclude=(), extra: dict | None = None
) -> type[serializers.Serializer]:
    """A serializer class named `name` with the form's fields (for the schema)."""
    attrs = {
        field_name: _field(field)
        for field_name, field in form_class.base_fields.items()
        if field_name not in exclude and not isinstance(field.widget, forms.HiddenInput)
    }
    attrs.update(extra or {})
    return type(name, (serializers.Serializer,), attrs)


def form_parameters(form_class: type[forms.Form], *, exclude=()) -> list[OpenApiParameter]:
    """A GET form's fields as query parameters (the page's filters)."""
    parameters = []
    for name, field in form_class.base_fields.items():
        if name in exclude:
            continue
        kind = OpenApiTypes.STR
        enum = None
        if isinstance(field, forms.BooleanField):
            kind = OpenApiTypes.BOOL
        elif isinstance(field, forms.ModelChoiceField | forms.IntegerField):
            kind = OpenApiTypes.INT
        elif isinstance(field, forms.DateField):
            kind = OpenApiTypes.DATE
        elif isinstance(field, forms.ChoiceField):
            enum = _values(field)
        parameters.append(
            OpenApiParameter(
                name,
                kind,
                OpenApiParameter.QUERY,
                required=False,
                description=str(field.help_text or field.label or ""),
                enum=enum,
            )
        )
    return parameters


class ChoiceSerializer(serializers.Serializer):
    value = serializers.JSONField()
    label = serializers.CharField()


class FieldSerializer(serializers.Serializer):
    """One field of a task's form: send it under `name`."""

    name = serializers.CharField()
    label = serializers.CharField()
    type = serializers.ChoiceField(
        choices=["text", "integer", "number", "date", "boolean", "choice", "multichoice"]
    )
    required = serializers.BooleanField()
    help_text = serializers.CharField()
    initial = serializers.JSONField(allow_null=True, help_text="The value the page starts from.")
    choices = ChoiceSerializer(many=True, required=False)
    max_length = serializers.IntegerField(required=False)


class FormFieldSerializer(FieldSerializer):
    """A field, or a list of rows (`type` "list": a plan's actions, referrals, a configured
    form's repeating group): send a list of objects with the `fields` of a row."""

    type = serializers.ChoiceField(
        choices=["text", "integer", "number", "date", "boolean", "choice", "multichoice", "list"]
    )
    max_items = serializers.IntegerField(required=False, allow_null=True)
    fields = FieldSerializer(many=True, required=False)
