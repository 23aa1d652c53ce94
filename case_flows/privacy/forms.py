"""Forms of the erasure pages: the request (grounds, details) and the supervisor's decision."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..cases.forms import CHOOSE
from ..models import ErasureGrounds


class ErasureRequestForm(forms.Form):
    # No ground is chosen for the user: a hurried click must not record the wrong one.
    grounds = forms.ChoiceField(label=_("Grounds"), choices=[("", CHOOSE), *ErasureGrounds.choices])
    details = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the person asked, and when. Do not copy documents here."),
    )


class ErasureDecisionForm(forms.Form):
    """Approve, or refuse: refusing needs a reason (it is what the person is told)."""

    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("refuse", _("Refuse"))],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you refuse the request."),
    )
    irreversible = forms.BooleanField(
        label=_(
            "I understand that approving anonymises every case of this person now and "
            "cannot be undone."
        ),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the request is refused."))
        if data.get("decision") == "approve" and not data.get("irreversible"):
            self.add_error(
                "irreversible", _("Tick the box to confirm that the erasure cannot be undone.")
            )
        return data

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"
