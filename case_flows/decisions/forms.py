"""Forms of the decision pages: start a decision, its draft, issue, delivery, appeal, the
appeal body's answer, and the KPA art. 36 notice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AppealOutcome, FeePer, HoursPer
from .services import CONTENT_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"


class StartDecisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of decision"))

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = {str(k.pk): k for k in kinds}
        self.fields["kind"].choices = [("", "—")] + [(str(k.pk), k.label) for k in kinds]

    def chosen_kind(self):
        return self.kinds[self.cleaned_data["kind"]]


class DecisionDraftForm(forms.Form):
    legal_basis = forms.CharField(
        label=_("Legal basis"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    ruling = forms.CharField(
        label=_("Ruling"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("What the authority decides, e.g. 'grants care services ...'."),
    )
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    currency = forms.CharField(label=_("Currency"), required=False, max_length=3)
    period_from = forms.DateField(label=_("Period from"), required=False, widget=DateInput)
    period_to = forms.DateField(label=_("Period until"), required=False, widget=DateInput)
    service = forms.CharField(label=_("Service"), required=False, max_length=200)
    hours = forms.DecimalField(
        label=_("Hours"), required=False, min_value=0, max_digits=6, decimal_places=1
    )
    hours_per = forms.ChoiceField(
        label=_("Hours per"), required=False, choices=[("", "—"), *HoursPer.choices]
    )
    client_fee = forms.DecimalField(
        label=_("Client's fee"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    client_fee_per = forms.ChoiceField(
        label=_("Fee per"), required=False, choices=[("", "—"), *FeePer.choices]
    )
    reasoning = forms.CharField(
        label=_("Reasoning"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    appeal_instruction = forms.CharField(
        label=_("Instruction on appeal"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    preparer_position = forms.CharField(label=_("Your position"), required=False, max_length=120)
    signer_name = forms.CharField(
        label=_("Signed by (name)"),
        required=False,
        max_length=160,
        help_text=_("Empty: the supervisor who approves it signs."),
    )
    signer_position = forms.CharField(label=_("Signer's position"), required=False, max_length=160)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and end < start:
            self.add_error("period_to", _("The period cannot end before it starts."))
        if data.get("hours") and not data.get("hours_per"):
            self.add_error("hours_per", _("Say whether the hours are per week or per month."))
        if data.get("client_fee") is not None and not data.get("client_fee_per"):
            self.add_error("client_fee_per", _("Say whether the fee is per hour or per month."))
        currency = (data.get("currency") or "").strip()
        if currency and (len(currency) != 3 or not currency.isalpha()):
            self.add_error("currency", _("Give the currency as its three-letter code, e.g. PLN."))
        return data

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in CONTENT_FIELDS}

    @classmethod
    def initial_from(cls, decision) -> dict:
        return {name: getattr(decision, name) for name in CONTENT_FIELDS}


class SignerForm(forms.Form):
    signer_name = forms.CharField(label=_("Signed by (name)"), max_length=160)
    signer_position = forms.CharField(label=_("Signer's position"), max_length=160)


class DeliveryForm(forms.Form):
    delivered_on = forms.DateField(label=_("Delivered on"), widget=DateInput)


class AppealForm(forms.Form):
    lodged_on = forms.DateField(label=_("Appeal lodged on"), widget=DateInput)


class AppealAnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("The appeal body's answer"), choices=[("", "—"), *AppealOutcome.choices]
    )
    answered_on = forms.DateField(label=_("Answered on"), widget=DateInput)


class DelayNoticeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the delay"), widget=forms.Textarea(attrs={"rows": 4})
    )
    new_date = forms.DateField(label=_("New date for the decision"), widget=DateInput)
    signer_name = forms.CharField(label=_("Signed by (name)"), max_length=160)
    signer_position = forms.CharField(label=_("Signer's position"), max_length=160)
