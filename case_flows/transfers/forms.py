"""Forms of transfers: a request to another office, a transfer within the office, and the
receiving supervisor's decision."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Office, User


class TransferRequestForm(forms.Form):
    to_office = forms.ModelChoiceField(
        label=_("Transfer to office"), queryset=Office.objects.none()
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_office"].queryset = Office.objects.filter(is_active=True).exclude(
            pk=case.office_id
        )


class SameOfficeTransferForm(forms.Form):
    caseworker = forms.ModelChoiceField(label=_("New caseworker"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, caseworkers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers


class TransferDecisionForm(forms.Form):
    accept = forms.ChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Accept and allocate")), ("no", _("Decline"))],
        widget=forms.RadioSelect,
    )
    caseworker = forms.ModelChoiceField(
        label=_("Caseworker"), queryset=User.objects.none(), required=False
    )
    reason = forms.CharField(
        label=_("Reason for declining"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, caseworkers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers

    def clean(self):
        data = super().clean()
        if data.get("accept") == "yes" and not data.get("caseworker"):
            raise ValidationError(_("Choose the caseworker who takes the case."))
        if data.get("accept") == "no" and not (data.get("reason") or "").strip():
            raise ValidationError(_("Say why the transfer is declined."))
        return data
