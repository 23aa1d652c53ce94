"""Forms of referrals: one referral (also in the arrange-services task's formset), a referral
from the case's referrals page, a provider's answer, and the directory search."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..models import ServiceProvider, Urgency


class ReferralForm(forms.Form):
    service_type = forms.CharField(label=_("Service type"), max_length=120, required=False)
    provider = forms.ModelChoiceField(
        label=_("Provider from the directory"),
        queryset=ServiceProvider.objects.filter(is_active=True),
        required=False,
    )
    provider_name = forms.CharField(
        label=_("Provider"),
        max_length=160,
        required=False,
        help_text=_("Only for a provider that is not in the directory."),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.ROUTINE
    )
    consent_recorded = forms.BooleanField(label=_("Client consented to sharing"), required=False)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    attachments = forms.MultipleChoiceField(
        label=_("Attachments the provider may see"),
        required=False,
        help_text=_(
            "The provider sees only the files ticked here. You can change it later on the"
            " case's referrals page."
        ),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "attachment-choices"}),
    )

    def __init__(self, *args, providers=None, attachment_choices=None, **kwargs):
        """`attachment_choices`: the case's attachments the referral may share, as (id,
        label); None (the case's referrals page) leaves the choice out."""
        super().__init__(*args, **kwargs)
        if providers is not None:  # the providers serving the case's office
            self.fields["provider"].queryset = providers
        if attachment_choices is None:
            del self.fields["attachments"]
        else:
            self.fields["attachments"].choices = attachment_choices  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        has_provider = bool(data.get("provider") or data.get("provider_name"))
        if bool(data.get("service_type")) != has_provider or (
            (data.get("notes") or data.get("attachments")) and not data.get("service_type")
        ):
            raise ValidationError(_("Each referral needs a service type and a provider."))
        return data

    def is_blank(self) -> bool:
        return not self.cleaned_data.get("service_type")


class _ReferralFormSet(forms.BaseFormSet):
    row_label = _("Referral %(number)s")  # names the row in the error summary

    def referrals(self) -> list[dict]:
        return [
            dict(form.cleaned_data)
            for form in self.forms
            if form.cleaned_data and not form.is_blank()
        ]


ReferralFormSet = forms.formset_factory(ReferralForm, formset=_ReferralFormSet, extra=3, max_num=30)


class ReferralSendForm(ReferralForm):
    """A referral from the case's referrals page; a supervisor may override a refusal."""

    override_reason = forms.CharField(
        label=_("Override the consent refusal (supervisors only): reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when sharing without consent is justified, e.g. the client's safety."),
    )

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("service_type"):
            raise ValidationError(_("Each referral needs a service type and a provider."))
        return data


class ReferralAnswerForm(forms.Form):
    ACTIONS = [
        ("accept", _("Accept")),
        ("decline", _("Decline")),
        ("complete", _("Completed")),
        ("withdraw", _("Withdraw")),
    ]
    action = forms.ChoiceField(label=_("Answer"), choices=ACTIONS)
    comment = forms.CharField(
        label=_("Reason or outcome"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("A reason is needed to decline or withdraw, an outcome to complete."),
    )

    def __init__(self, *args, referral=None, withdraw=True, **kwargs):
        """With a referral, only the answers its current status allows are offered (and
        accepted); a provider's staff never withdraw (withdraw=False)."""
        super().__init__(*args, **kwargs)
        if referral is not None:
            allowed = {t.name for t in referral.get_available_status_transitions()}
            if not withdraw:
                allowed.discard("withdraw")
            self.fields["action"].choices = [
                (value, label) for value, label in self.ACTIONS if value in allowed
            ]

    def clean(self):
        data = super().clean()
        if (
            data.get("action") in ("decline", "withdraw", "complete")
            and not (data.get("comment") or "").strip()
        ):
            # At the field, with the form's other errors (the service says the same).
            message = (
                _("Say what the outcome was.") if data["action"] == "complete" else _("Say why.")
            )
            self.add_error("comment", message)
        return data


class ProviderSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search the directory"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, service or area")}),
    )
