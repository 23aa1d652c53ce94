"""The upload form (a file, or a photo taken with the phone's camera), the deletion form and
the referral's choice of shared attachments. The file's checks are the service's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AttachmentKind
from .validation import ACCEPT

CHOOSE = _("Choose…")


def record_choices(case, records: dict | None) -> list[tuple[str, str]]:
    """The records of the case page's current episode an attachment may name, as
    ("intake", …), ("assessment:12", …): read from the records the page already loaded."""
    choices: list[tuple[str, str]] = [("", str(_("The case as a whole")))]
    if not records:
        return choices
    if records.get("intake") is not None:
        choices.append(("intake", str(_("Intake"))))
    if records.get("assessment") is not None:
        choices.append((f"assessment:{records['assessment'].pk}", str(_("Assessment"))))
    if records.get("plan") is not None:
        choices.append((f"plan:{records['plan'].pk}", str(_("Case plan"))))
    for referral in records.get("referrals") or []:
        label = _("Referral: %(service)s") % {"service": referral.service_type}
        choices.append((f"referral:{referral.pk}", label))
    for follow_up in records.get("follow_ups") or []:
        label = _("Follow-up of %(date)s") % {"date": follow_up.date}
        choices.append((f"follow_up:{follow_up.pk}", label))
    if records.get("closure") is not None:
        choices.append((f"closure:{records['closure'].pk}", str(_("Closure"))))
    return choices


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        required=False,
        allow_empty_file=True,  # the service says "empty" in its own words
        help_text=_("A PDF or a photo (JPEG, PNG, WebP)."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    photo = forms.FileField(
        label=_("Or take a photo"),
        required=False,
        allow_empty_file=True,
        help_text=_("On a phone: opens the camera."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    kind = forms.ChoiceField(
        label=_("What is it?"),
        # Generated documents are made by the app (case_flows.documents.generation), not uploaded.
        choices=[
            ("", CHOOSE),
            *(c for c in AttachmentKind.choices if c[0] != AttachmentKind.GENERATED),
        ],
    )
    description = forms.CharField(label=_("Description"), max_length=255, required=False)
    about = forms.ChoiceField(label=_("About"), required=False)
    record = forms.ChoiceField(label=_("Belongs to"), required=False)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, case, records: dict | None = None, relatives=(), **kwargs):
        super().__init__(*args, **kwargs)
        person = case.person
        about = self.fields["about"]
        assert isinstance(about, forms.ChoiceField)
        about.choices = [
            ("", _("Nobody in particular")),
            (str(person.pk), _("The client: %(name)s") % {"name": person}),
            *((str(r.pk), str(r)) for r in relatives),
        ]
        record = self.fields["record"]
        assert isinstance(record, forms.ChoiceField)
        record.choices = record_choices(case, records)

    def clean(self):
        data = super().clean()
        chosen = [f for f in (data.get("file"), data.get("photo")) if f is not None]
        if not chosen:
            raise forms.ValidationError(_("Choose a file or take a photo."))
        if len(chosen) > 1:
            raise forms.ValidationError(_("Choose a file or take a photo, not both."))
        data["upload"] = chosen[0]
        return data


class AttachmentDeleteForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it deleted?"),
        max_length=500,
        widget=forms.TextInput(),
    )


class ReferralShareForm(forms.Form):
    attachments = forms.MultipleChoiceField(
        label=_("Attachments the provider may see"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, attachments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].choices = [
            (str(a.pk), f"{a.original_name} · {a.get_kind_display()}") for a in attachments
        ]
