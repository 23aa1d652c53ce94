"""The household page's forms: recording the household, adding a member (a relative of the
client or a new person), a member moving out, and one month's incomes (a row per member and
source)."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from ..cases.forms import DateInput
from ..models import HeadRelationship, HouseholdMember, IncomeSource, Person

MONTH_FORMAT = "%Y-%m"


def parse_month(value: str) -> datetime.date | None:
    """ "2026-10" -> 2026-10-01; anything else -> None."""
    try:
        return datetime.datetime.strptime(value.strip(), MONTH_FORMAT).date()
    except (ValueError, AttributeError):
        return None


class MonthInput(forms.TextInput):
    input_type = "month"


class MonthField(forms.Field):
    widget = MonthInput
    default_error_messages = {"invalid": _("Give a month as year and month, e.g. 2026-10.")}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value.replace(day=1)
        month = parse_month(str(value))
        if month is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month

    def prepare_value(self, value):
        return value.strftime(MONTH_FORMAT) if isinstance(value, datetime.date) else value


class HouseholdCreateForm(forms.Form):
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    from_date = forms.DateField(label=_("Living there since"), widget=DateInput())


class MemberAddForm(forms.Form):
    relative = forms.ModelChoiceField(
        label=_("One of the client's relatives"),
        queryset=Person.objects.none(),
        required=False,
        empty_label=_("— a new person —"),
    )
    given_name = forms.CharField(label=_("Given name"), max_length=120, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=120, required=False)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    relationship_to_head = forms.ChoiceField(
        label=_("Relationship to the head of household"), choices=HeadRelationship.choices
    )
    lives_here = forms.BooleanField(label=_("Lives here"), required=False, initial=True)
    from_date = forms.DateField(label=_("Member since"), widget=DateInput())
    move = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, relatives: list[Person] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [p.pk for p in relatives or []]
        field = self.fields["relative"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Person.objects.filter(pk__in=ids).order_by("pk")
        if not ids:
            field.widget = forms.HiddenInput()

    def clean(self):
        data = super().clean()
        named = data.get("given_name", "").strip() and data.get("family_name", "").strip()
        if not data.get("relative") and not named:
            raise forms.ValidationError(
                _("Choose one of the client's relatives, or give the new person's names.")
            )
        return data


class MoveOutForm(forms.Form):
    to_date = forms.DateField(label=_("Last day living here"), widget=DateInput())


class MonthChoiceForm(forms.Form):
    month = MonthField(label=_("Month"))


class IncomeRowForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Member"), coerce=int, choices=())
    source = forms.ChoiceField(label=_("Source"), choices=IncomeSource.choices)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=10, decimal_places=2, min_value=0, required=False
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args, members: list[HouseholdMember], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(m.person_id, str(m.person)) for m in members]


def income_rows(formset: forms.BaseFormSet) -> list[dict]:
    """The filled rows of a valid income formset (a row without an amount is left out: that
    income is removed)."""
    return [
        {
            "person_id": form.cleaned_data["person"],
            "source": form.cleaned_data["source"],
            "amount": form.cleaned_data["amount"],
            "note": form.cleaned_data.get("note", ""),
        }
        for form in formset.forms
        if form.cleaned_data and form.cleaned_data.get("amount") is not None
    ]


class BaseIncomeFormSet(forms.BaseFormSet):
    row_label = _("Income %(number)s")  # names the row in the error summary

    def clean(self):
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if data.get("amount") is None:
                continue
            key = (data.get("person"), data.get("source"))
            if key in seen:
                raise forms.ValidationError(_("Each member's source appears once per month."))
            seen.add(key)


IncomeFormSet = forms.formset_factory(IncomeRowForm, formset=BaseIncomeFormSet, extra=2)
