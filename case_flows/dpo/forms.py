"""The access log's filters: bad input is a message on the form, never an error page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from ..models import AccessAction
from .selectors import AccessFilters, staff_for

ANYONE = _("Anyone")
ANY_ACTION = _("Any action")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.username})"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class AccessLogFilterForm(forms.Form):
    user = StaffChoiceField(
        label=_("Person"), queryset=User.objects.none(), required=False, empty_label=ANYONE
    )
    case = forms.CharField(label=_("Case reference"), required=False, max_length=40)
    client = forms.CharField(label=_("Client name"), required=False, max_length=120)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", ANY_ACTION), *AccessAction.choices]
    )
    date_from = forms.DateTimeField(
        label=_("Date from"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    date_to = forms.DateTimeField(
        label=_("Date to"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )

    def __init__(self, *args, officer: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_for(officer)  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end must not be before the start."))
        return data

    def filters(self) -> AccessFilters:
        """The chosen filters; none for an unbound or invalid form."""
        if not self.is_bound or not self.is_valid():
            return AccessFilters()
        data = self.cleaned_data
        return AccessFilters(
            user=data.get("user"),
            case_reference=data.get("case") or "",
            client=data.get("client") or "",
            action=data.get("action") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
