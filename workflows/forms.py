"""Forms of the workflow kernel."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .sla.units import PauseReason


class SlaPauseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=PauseReason.choices)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, clock=None, **kwargs):
        super().__init__(*args, **kwargs)
        if clock is not None:
            self.fields["reason"].choices = clock.policy.allowed_pause_choices()
