"""The error summary at the top of a form page (after the GOV.UK design system's): every
error of the page's forms in one list, each a link to its field, with focus moved to it."""

from django import forms as django_forms
from django import template
from django.utils.translation import gettext as _

register = template.Library()


def _target(bound_field) -> str:
    """The id of the element a link to this field should reach."""
    if bound_field.is_hidden:
        return ""
    if bound_field.id_for_label:
        return bound_field.id_for_label
    # Radio buttons and checkbox lists: the group's label names no element; go to the first.
    return f"{bound_field.auto_id}_0" if bound_field.auto_id else ""


def _form_items(form: django_forms.BaseForm, row: str = "") -> list[dict]:
    """`row`: the name of a formset's row ("Action 2"), before each of its errors, so that
    the same message on two rows says which is which."""
    if not form.is_bound:
        return []
    items = [{"message": error, "target": "", "label": row} for error in form.non_field_errors()]
    for bound_field in form:
        label = f"{row} – {bound_field.label}" if row else bound_field.label
        for error in bound_field.errors:
            items.append({"message": error, "target": _target(bound_field), "label": label})
    return items


def error_summary_items(*forms) -> list[dict]:
    """The errors of forms, formsets or dicts of them (a task page's `forms`), in page order."""
    items: list[dict] = []
    for form in forms:
        if form is None:
            continue
        if isinstance(form, dict):
            items += error_summary_items(*form.values())
        elif isinstance(form, django_forms.BaseFormSet):
            if form.is_bound:
                items += [
                    {"message": error, "target": "", "label": ""}
                    for error in form.non_form_errors()
                ]
                row_label = getattr(form, "row_label", None) or _("Row %(number)s")
                for number, member in enumerate(form, start=1):
                    items += _form_items(member, str(row_label) % {"number": number})
        elif isinstance(form, django_forms.BaseForm):
            items += _form_items(form)
    return items


@register.inclusion_tag("_error_summary.html")
def error_summary(*forms):
    """`{% error_summary form %}`, `{% error_summary form formset %}` or
    `{% error_summary forms %}`: nothing when there is no error."""
    return {"items": error_summary_items(*forms)}
