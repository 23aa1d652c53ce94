"""The form of a webhook endpoint (Staff -> Webhooks): its address, description and events."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import subscribable_event_choices
from .webhooks import WebhookError, clean_events, clean_url


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Address (URL)"),
        max_length=500,
        help_text=_(
            "The https:// address of your receiver. An address on your office's private "
            "network is fine; link-local and cloud metadata addresses are refused."
        ),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("What receives the events, e.g. the office's reporting system."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=subscribable_event_choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )

    def clean_url(self) -> str:
        try:
            return clean_url(self.cleaned_data["url"])
        except WebhookError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_events(self) -> list[str]:
        try:
            return clean_events(self.cleaned_data["events"])
        except WebhookError as exc:
            raise forms.ValidationError(exc.message) from exc
