"""The dashboard's filters: the form that reads them from the request."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.scope import scope_for, visible_offices, visible_teams

from ..models import Category, Risk
from .selectors import DashboardFilters


class DashboardFilterForm(forms.Form):
    """The dashboard's GET filters; choices are limited to what the user may see."""

    office = forms.ModelChoiceField(
        label=_("Office"), queryset=None, required=False, empty_label=_("All offices")
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=None, required=False, empty_label=_("All teams")
    )
    risk = forms.ChoiceField(
        label=_("Risk"), choices=[("", _("Any risk")), *Risk.choices], required=False
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("order", "name"),
        required=False,
        empty_label=_("All categories"),
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["office"].queryset = visible_offices(user).order_by("name")
        teams = visible_teams(user)
        office = (data or {}).get("office") or ""
        if office.isdigit():
            teams = teams.filter(office_id=int(office))
        elif scope_for(user).all_offices:
            # Hundreds of offices: list teams once an office is chosen.
            teams = teams.none()
            self.fields["team"].help_text = _("Choose an office first.")
        self.fields["team"].queryset = teams.order_by("name")

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to:
            if date_from > date_to:
                raise forms.ValidationError(_("The start date is after the end date."))
            if (date_to - date_from).days > 731:
                raise forms.ValidationError(_("Choose a date range of at most two years."))
        team, office = data.get("team"), data.get("office")
        if team and office and team.office_id != office.pk:
            self.add_error("team", _("This team belongs to another office."))
        return data

    def filters(self):
        """The validated filters (call after is_valid())."""
        data = self.cleaned_data
        category = data.get("category")
        team = data.get("team")
        return DashboardFilters(
            office_id=data["office"].pk if data.get("office") else None,
            team_id=team.pk if team else None,
            risk=data.get("risk") or None,
            category_id=category.pk if category else None,
            category_code=category.code if category else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        ).with_defaults()

    def error_text(self) -> str:
        parts = []
        for field, errors in self.errors.items():
            label = self.fields[field].label if field in self.fields else ""
            for error in errors:
                parts.append(f"{label}: {error}" if label else str(error))
        return " ".join(parts)
