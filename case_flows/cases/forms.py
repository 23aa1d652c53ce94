"""Forms of the case pages: they validate input; the services in services.py do the writes."""

import uuid
from typing import TYPE_CHECKING, cast

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Office, Role, Team, User
from accounts.phones import validate_phone
from workflows.queue import assignable_users

from ..dates import (
    date_of_birth_problem,
    earliest_date_of_birth,
)
from ..models import (
    Category,
    IntakeSource,
    Person,
    Relationship,
    Risk,
    Safety,
    Sex,
)
from ..registry.forms import IdentifierFields, identifier_kind_field

# The blank first option of a required choice with no sensible default (the user must pick).


# The blank first option of a required choice with no sensible default (the user must pick).
CHOOSE = _("Choose…")


NOT_KNOWN_YET = _("Not known yet")


YES_NO = [("", CHOOSE), ("yes", _("Yes")), ("no", _("No"))]


YES_NO_NOT_KNOWN = [("", NOT_KNOWN_YET), ("yes", _("Yes")), ("no", _("No"))]


def yes_no_to_bool(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def office_today(office: Office | None = None):
    """Today in the office's time zone (else the active one, the user's office's)."""
    if office is None:
        return timezone.localdate()
    return timezone.localdate(timezone=office.tzinfo)


if TYPE_CHECKING:
    _FormMixinBase = forms.Form  # the mixin sees the form's fields and add_error
else:
    _FormMixinBase = object


class NoFutureDateOfBirth(_FormMixinBase):
    """A form with a `date_of_birth` field: the date picker stops at today (office time) and
    a date in the future is an error at the field, reported with the form's other errors."""

    def _limit_date_of_birth(self, office: Office | None) -> None:
        self.today = office_today(office)
        attrs = self.fields["date_of_birth"].widget.attrs
        attrs["max"] = self.today.isoformat()
        attrs["min"] = earliest_date_of_birth(self.today).isoformat()

    def _check_date_of_birth(self, data: dict) -> None:
        problem = date_of_birth_problem(data.get("date_of_birth"), self.today)
        if problem:
            self.add_error("date_of_birth", problem)


class CaseSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search cases"),
        required=False,
        max_length=120,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Reference, client name or phone")}
        ),
    )


PERSON_FIELDS = [
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
    "date_of_birth_estimated",
    "national_id_kind",
    "national_id",
    "phone",
    "address",
    "preferred_language",
    "disability",
    "disability_notes",
]


class CaseRegisterForm(IdentifierFields, NoFutureDateOfBirth, forms.Form):
    """A new client and their case, as taken at the first contact.

    Required fields carry `required` and a visible mark (the "required" class on their label);
    the page turns off the browser's own validation so that every error, rules included, is
    reported at once: at its field and in the summary at the top."""

    required_css_class = "required"

    given_name = forms.CharField(label=_("Given name"), max_length=120)
    family_name = forms.CharField(label=_("Family name"), max_length=120)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    date_of_birth_estimated = forms.BooleanField(
        label=_("The date of birth is estimated"), required=False
    )
    national_id_kind = identifier_kind_field()
    national_id = forms.CharField(label=_("National ID"), max_length=40, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=32, required=False, validators=[validate_phone]
    )
    address = forms.CharField(label=_("Address or community"), max_length=255, required=False)
    preferred_language = forms.CharField(
        label=_("Client's preferred language"), max_length=40, required=False
    )
    disability = forms.BooleanField(label=_("Has a disability"), required=False)
    disability_notes = forms.CharField(
        label=_("Disability details"), max_length=255, required=False
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), empty_label=CHOOSE
    )
    # No defaults: the risk level is a judgement the caseworker makes and the source a fact
    # they record; a preselected option would be saved whenever it was overlooked.
    risk = forms.ChoiceField(label=_("Risk level"), choices=[("", CHOOSE), *Risk.choices])
    source = forms.ChoiceField(
        label=_("How the case came to us"), choices=[("", CHOOSE), *IntakeSource.choices]
    )
    presenting_concerns = forms.CharField(
        label=_("Presenting concerns"), widget=forms.Textarea(attrs={"rows": 4})
    )
    immediate_safety = forms.ChoiceField(
        label=_("Immediate safety"), choices=[("", NOT_KNOWN_YET), *Safety.choices], required=False
    )
    consent_to_share = forms.ChoiceField(
        label=_("Consent to share information"), choices=YES_NO_NOT_KNOWN, required=False
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("A supervisor allocates it"),
        help_text=_("Leave empty to let a supervisor allocate the case."),
    )
    # One per page shown: a form sent twice (a replay, a second tab) opens one case.
    submission = forms.CharField(
        required=False,
        widget=forms.HiddenInput,
        initial=lambda: uuid.uuid4().hex,
        validators=[RegexValidator(r"^[0-9a-f]{0,32}$")],
    )
    # The people the search before registering showed (ids), kept on the case's timeline.
    candidates_shown = forms.CharField(
        required=False, widget=forms.HiddenInput, validators=[RegexValidator(r"^[\d,]*$")]
    )

    def __init__(self, *args, office=None, person: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = Category.offered_to(office)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = (
            Team.objects.filter(office=office) if office else Team.objects.none()
        )
        self.person = person
        self.filled_from_id = []
        if person is not None:  # a case for a person already registered: no person fields
            for name in PERSON_FIELDS:
                del self.fields[name]
            return
        self._limit_date_of_birth(office)
        self._setup_identifier(office)

    def clean_consent_to_share(self):
        return yes_no_to_bool(self.cleaned_data["consent_to_share"])

    def clean(self):
        data = super().clean()
        # Rules that the service would refuse one at a time are field errors here, shown
        # together with the missing fields.
        if self.person is None:
            self._check_identifier(data, fill=True)
            self._check_date_of_birth(data)
        return data

    def person_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in PERSON_FIELDS}

    def candidates(self) -> list[int]:
        return [int(pk) for pk in self.cleaned_data.get("candidates_shown", "").split(",") if pk]

    def case_data(self) -> dict:
        names = [
            "category",
            "risk",
            "source",
            "presenting_concerns",
            "immediate_safety",
            "consent_to_share",
            "team",
        ]
        return {name: self.cleaned_data[name] for name in names}


class ReassignForm(forms.Form):
    """Give an open task to someone who may do it (workflows.queue.assignable_users): the
    list offers no one the service would then refuse."""

    to_user = forms.ModelChoiceField(
        label=_("Give the task to"), queryset=User.objects.none(), empty_label=CHOOSE
    )

    def __init__(self, *args, task, **kwargs):
        super().__init__(*args, **kwargs)
        people = assignable_users(task).order_by("first_name", "last_name", "username")
        if task.owner_id:
            people = people.exclude(pk=task.owner_id)  # giving it to its holder changes nothing
        self.fields["to_user"].queryset = people


SAME_HOUSEHOLD_HELP = _(
    "They join the client's household from today (recorded now, at the client's address, "
    "if there is none)."
)


class RelativeForm(NoFutureDateOfBirth, forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=120)
    family_name = forms.CharField(label=_("Family name"), max_length=120)
    relationship = forms.ChoiceField(
        label=_("Relationship to the client"), choices=Relationship.choices
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial="unknown")
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    phone = forms.CharField(
        label=_("Phone"), max_length=32, required=False, validators=[validate_phone]
    )
    is_primary_caregiver = forms.BooleanField(label=_("Primary caregiver"), required=False)
    same_household = forms.BooleanField(
        label=_("Lives in the same household"),
        required=False,
        initial=True,
        help_text=SAME_HOUSEHOLD_HELP,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Today as the service checks it: in the user's office's time zone (the active one).
        self._limit_date_of_birth(None)

    def clean(self):
        data = super().clean()
        self._check_date_of_birth(data)
        return data


class RelativeLinkForm(forms.Form):
    """A person already registered, found by the registry search, as the client's relative."""

    relationship = forms.ChoiceField(
        label=_("Relationship to the client"), choices=Relationship.choices
    )
    is_primary_caregiver = forms.BooleanField(label=_("Primary caregiver"), required=False)
    same_household = forms.BooleanField(
        label=_("Lives in the same household"),
        required=False,
        initial=True,
        help_text=SAME_HOUSEHOLD_HELP,
    )


class ReopenForm(forms.Form):
    comment = forms.CharField(
        label=_("Why is the case being reopened?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class RiskForm(forms.Form):
    risk = forms.ChoiceField(label=_("New risk level"), choices=Risk.choices)
    comment = forms.CharField(
        label=_("Why did the risk level change?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class PersonEditForm(NoFutureDateOfBirth, forms.Form):
    """Correcting the client's details (rectification); `version` is the row's version when
    the form was opened (a later save by someone else is a 409)."""

    required_css_class = "required"

    given_name = CaseRegisterForm.base_fields["given_name"]
    family_name = CaseRegisterForm.base_fields["family_name"]
    sex = CaseRegisterForm.base_fields["sex"]
    date_of_birth = CaseRegisterForm.base_fields["date_of_birth"]
    date_of_birth_estimated = CaseRegisterForm.base_fields["date_of_birth_estimated"]
    national_id = CaseRegisterForm.base_fields["national_id"]
    phone = CaseRegisterForm.base_fields["phone"]
    address = CaseRegisterForm.base_fields["address"]
    preferred_language = CaseRegisterForm.base_fields["preferred_language"]
    disability = CaseRegisterForm.base_fields["disability"]
    disability_notes = CaseRegisterForm.base_fields["disability_notes"]
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, office: Office | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_date_of_birth(office)

    def clean(self):
        data = super().clean()
        self._check_date_of_birth(data)
        return data

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class AccessReasonForm(forms.Form):
    """Restrict a case, or lift its restriction: the reason is recorded."""

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class AccessGrantForm(forms.Form):
    """Add a colleague of the case's office to a restricted case's access list."""

    user = forms.ModelChoiceField(
        label=_("Staff member"), queryset=User.objects.none(), empty_label=CHOOSE
    )
    reason = forms.CharField(
        label=_("Why do they need access?"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, case, already_on_list=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Staff of the case's own office who work cases (the service checks the same rule),
        # less those already on the list (offering them only leads to "already on the list").
        self.fields["user"].queryset = (
            User.objects.filter(
                is_active=True,
                home_office_id=case.office_id,
                groups__name__in=[Role.CASEWORKER, Role.SUPERVISOR, Role.MANAGER],
            )
            .exclude(groups__name=Role.PROVIDER)
            .exclude(pk__in=list(already_on_list))
            .distinct()
            .order_by("first_name", "last_name", "username")
        )


class EmergencyAccessForm(forms.Form):
    reference = forms.CharField(label=_("Case reference"), max_length=32)
    reason = forms.CharField(
        label=_("Why do you need to read it now?"), widget=forms.Textarea(attrs={"rows": 3})
    )
