"""The upload form (a file, or a photo taken with the phone's camera), the deletion form and
the referral's choice of shared attachments. The file's checks are the service's."""

from django import forms
from django.utils.formats import date_format
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
        label = _("Follow-up of %(date)s") % {"date": date_format(follow_up.date)}
        choices.append((f"follow_up:{follow_up.pk}", label))
    if records.get("closure") is not None:
        choices.append((f"closure:{records['closure'].pk}", str(_("Closure"))))
    return choices


# On a task page, the record the task writes ("task" in the upload's "Belongs to"), by its
# column (services.TASK_RECORDS); the help says when a record not written yet gets the file.
TASK_RECORD_CHOICES = {
    "intake": _("This intake"),
    "assessment": _("This assessment"),
    "plan": _("This case plan"),
    "follow_up": _("This follow-up"),
    "referral": _("The referral that shares it"),
    "closure": _("This closure"),
}
TASK_RECORD_HELP = {
    "assessment": _(
        "It goes on the assessment when you submit it; until then it is kept on the case."
    ),
    "plan": _("It goes on the case plan when you submit it; until then it is kept on the case."),
    "follow_up": _(
        "It goes on the follow-up when you record it; until then it is kept on the case."
    ),
    "referral": _(
        "Tick it under the referral that needs it: when you save the referrals it"
        " goes on that referral, and its provider sees it. Shared by several referrals, or by"
        " none, it stays with the case as a whole."
    ),
    "closure": _("It goes on the closure when you submit it; until then it is kept on the case."),
}
# In a task page's list, a file waiting for the record its task writes.
TASK_RECORD_PENDING = {
    "assessment": _("for the assessment, when it is submitted"),
    "plan": _("for the case plan, when it is submitted"),
    "follow_up": _("for the follow-up, when it is recorded"),
    "referral": _("for the referral that shares it, when the referrals are saved"),
    "closure": _("for the closure, when it is submitted"),
}


def attachment_choices(attachments) -> list[tuple[str, str]]:
    """The case's attachments as checkbox choices (a referral's "share with the provider")."""
    return [(str(a.pk), f"{a.original_name} · {a.get_kind_display()}") for a in attachments]


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
    # The task page it is sent from: "Belongs to" then offers the record that task writes.
    task = forms.IntegerField(required=False, widget=forms.HiddenInput)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        case,
        records: dict | None = None,
        relatives=(),
        task=None,
        task_record: str = "",
        **kwargs,
    ):
        """`task` and `task_record` (its record's column): sent from that task's page."""
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
        if task is not None and task_record in TASK_RECORD_CHOICES:
            record.choices = [("task", TASK_RECORD_CHOICES[task_record]), *record.choices]
            record.help_text = TASK_RECORD_HELP.get(task_record, "")
            self.initial.setdefault("record", "task")
            self.initial.setdefault("task", task.pk)

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
        self.fields["attachments"].choices = attachment_choices(attachments)
