"""Forms of the case pages: they validate input; the services in services.py do the writes."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Office, Team, User
from workflows.queue import assignable_users

from .dates import (
    contact_date_problem,
    date_of_birth_problem,
    earliest_date_of_birth,
    target_date_problem,
)
from .flows import CaseFlow
from .models import (
    NEED_DOMAINS,
    Category,
    ClosureReason,
    ContactMode,
    FollowUpNextStep,
    GoalProgress,
    IntakeSource,
    NeedLevel,
    Relationship,
    Risk,
    Safety,
    Sex,
    Stage,
)
from .selectors import INBOX_SORTS

# The blank first option of a required choice with no sensible default (the user must pick).
CHOOSE = _("Choose…")
NOT_KNOWN_YET = _("Not known yet")
YES_NO = [("", CHOOSE), ("yes", _("Yes")), ("no", _("No"))]
YES_NO_NOT_KNOWN = [("", NOT_KNOWN_YET), ("yes", _("Yes")), ("no", _("No"))]



def _yes_no_to_bool(value: str) -> bool | None:
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


class NoFutureDateOfBirth:
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


# --- lists ------------------------------------------------------------------------------


# The inbox's task types in the order of the flow (a node added to the flow and not listed
# here comes last), titled as the rows are.
INBOX_TASK_ORDER = (
    "allocate",
    "intake",
    "assess",
    "approve_assessment",
    "plan",
    "approve_plan",
    "arrange_referrals",
    "follow_up",
    "prepare_closure",
    "approve_closure",
    "review_overdue",
    "review_case",
)


def inbox_task_choices() -> list[tuple[str, str]]:
    human = {
        node.name: node.task_title
        for node in CaseFlow.instance.nodes()
        if getattr(node, "task_type", None) == "HUMAN"
    }
    order = [n for n in INBOX_TASK_ORDER if n in human] + sorted(set(human) - set(INBOX_TASK_ORDER))
    return [("", _("Any task")), *((name, human[name]) for name in order)]


class InboxFilterForm(forms.Form):
    """The inbox's filters and sort, all in the URL (GET): a filtered view can be bookmarked
    and its pages keep it."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=120,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Client name or case reference")}
        ),
    )
    task = forms.ChoiceField(label=_("Task"), choices=inbox_task_choices, required=False)
    risk = forms.ChoiceField(
        label=_("Risk"), choices=[("", _("Any risk")), *Risk.choices], required=False
    )
    stage = forms.ChoiceField(
        label=_("Stage"), choices=[("", _("Any stage")), *Stage.choices], required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    # Column headers sort on wide screens; this select does on a phone (the table's header
    # row is hidden there) and carries the chosen order when the filters are submitted.
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("due", _("Due date, soonest first")),
            ("-due", _("Due date, latest first")),
            ("-risk", _("Risk, highest first")),
            ("risk", _("Risk, lowest first")),
            ("case", _("Case reference, A to Z")),
            ("-case", _("Case reference, Z to A")),
            ("client", _("Client name, A to Z")),
            ("-client", _("Client name, Z to A")),
        ],
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and data.get("sort") not in INBOX_SORTS:
            data = data.copy()  # an unknown order (an old bookmark) falls back to the default
            data["sort"] = INBOX_SORTS[0]
        super().__init__(data, *args, **kwargs)

    def criteria(self) -> dict:
        """The selector's filters: none for an unbound or invalid form."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "risk": data.get("risk") or None,
            "stage": data.get("stage") or None,
            "overdue": data.get("overdue") or None,
            "node": data.get("task") or None,
            "search": data.get("q") or None,
        }

    def chosen_sort(self) -> str:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["sort"] or INBOX_SORTS[0]
        return INBOX_SORTS[0]


class CaseSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search cases"),
        required=False,
        max_length=120,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Reference, client name or phone")}
        ),
    )


# --- registering a case ----------------------------------------------------------------


class CaseRegisterForm(NoFutureDateOfBirth, forms.Form):
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
    national_id = forms.CharField(label=_("National ID"), max_length=40, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
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

    def __init__(self, *args, office=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.offered_to(office)
        self.fields["team"].queryset = (
            Team.objects.filter(office=office) if office else Team.objects.none()
        )
        self._limit_date_of_birth(office)

    def clean_consent_to_share(self):
        return _yes_no_to_bool(self.cleaned_data["consent_to_share"])

    def clean(self):
        data = super().clean()
        # Rules that the service would refuse one at a time are field errors here, shown
        # together with the missing fields.
        self._check_date_of_birth(data)
        return data

    def person_data(self) -> dict:
        names = [
            "given_name",
            "family_name",
            "sex",
            "date_of_birth",
            "date_of_birth_estimated",
            "national_id",
            "phone",
            "address",
            "preferred_language",
            "disability",
            "disability_notes",
        ]
        return {name: self.cleaned_data[name] for name in names}

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


# --- task forms ------------------------------------------------------------------------


class AllocateForm(forms.Form):
    caseworker = forms.ModelChoiceField(
        label=_("Caseworker"), queryset=User.objects.none(), empty_label=CHOOSE
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("The caseworker's team"),
        help_text=_("Leave empty to use the caseworker's team."),
    )

    def __init__(self, *args, case, caseworkers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = caseworkers
        self.fields["team"].queryset = Team.objects.filter(office_id=case.office_id)
        if case.team_id:
            self.fields["team"].initial = case.team_id


class IntakeForm(forms.Form):
    source = forms.ChoiceField(label=_("How the case came to us"), choices=IntakeSource.choices)
    presenting_concerns = forms.CharField(
        label=_("Presenting concerns"), widget=forms.Textarea(attrs={"rows": 4})
    )
    immediate_safety = forms.ChoiceField(label=_("Immediate safety"), choices=Safety.choices)
    consent_to_share = forms.ChoiceField(label=_("Consent to share information"), choices=YES_NO)

    def clean_consent_to_share(self):
        return _yes_no_to_bool(self.cleaned_data["consent_to_share"])


class AssessmentForm(forms.Form):
    """One need level per domain, then the strengths and the decided risk level."""

    needs_notes = forms.CharField(
        label=_("Notes on needs"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    strengths = forms.CharField(label=_("Strengths"), widget=forms.Textarea(attrs={"rows": 3}))
    risk_decided = forms.ChoiceField(label=_("Risk level decided"), choices=Risk.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        need_fields = {
            f"need_{code}": forms.ChoiceField(
                label=label, choices=NeedLevel.choices, initial=NeedLevel.NONE
            )
            for code, label in NEED_DOMAINS
        }
        # Domains first, in NEED_DOMAINS order.
        self.fields = {**need_fields, **self.fields}

    def need_fields(self):
        return [self[f"need_{code}"] for code, _label in NEED_DOMAINS]

    def other_fields(self):
        return [self[name] for name in ("needs_notes", "strengths", "risk_decided")]

    def needs(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"need_{code}"] for code, _label in NEED_DOMAINS}


class PlanForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    goals = forms.CharField(
        label=_("Goals"),
        help_text=_("One goal per line."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    no_referral_needed = forms.BooleanField(
        label=_("No referral needed"),
        required=False,
        help_text=_("Services are provided by this office; no referral is needed."),
    )

    def clean_goals(self):
        goals = [line.strip() for line in self.cleaned_data["goals"].splitlines() if line.strip()]
        if not goals:
            raise ValidationError(_("Write at least one goal."))
        too_long = [g for g in goals if len(g) > 255]
        if too_long:
            raise ValidationError(_("A goal can be at most 255 characters long."))
        return goals


class PlanActionForm(forms.Form):
    description = forms.CharField(label=_("Action"), max_length=255, required=False)
    responsible = forms.CharField(label=_("Responsible party"), max_length=120, required=False)
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        filled = [data.get(name) for name in ("description", "responsible", "target_date")]
        if any(filled) and not all(filled):
            raise ValidationError(
                _("Each action needs a description, a responsible party and a target date.")
            )
        problem = target_date_problem(data.get("target_date"), office_today())
        if problem:
            self.add_error("target_date", problem)
        return data

    def is_blank(self) -> bool:
        return not any(
            self.cleaned_data.get(name) for name in ("description", "responsible", "target_date")
        )


class _AtLeastOneActionFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.actions():
            raise ValidationError(_("A case plan needs at least one action."))

    def actions(self) -> list[dict]:
        return [
            {
                name: form.cleaned_data[name]
                for name in ("description", "responsible", "target_date")
            }
            for form in self.forms
            if form.cleaned_data and not form.is_blank()
        ]


PlanActionFormSet = forms.formset_factory(
    PlanActionForm, formset=_AtLeastOneActionFormSet, extra=3, max_num=30
)


class ReassessmentForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does the case need reassessment?"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReferralsDoneForm(forms.Form):
    none_needed = forms.BooleanField(
        label=_("No referral is needed: this office provides the services"), required=False
    )

    def __init__(self, *args, formset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.formset = formset

    def clean(self):
        data = super().clean()
        if self.formset is not None and self.formset.is_valid():
            if not self.formset.referrals() and not data.get("none_needed"):
                raise ValidationError(
                    _("Record at least one referral, or confirm that none is needed.")
                )
        return data


class FollowUpForm(forms.Form):
    date = forms.DateField(label=_("Date of the contact"), widget=DateInput())
    mode = forms.ChoiceField(label=_("How"), choices=ContactMode.choices)
    notes = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}))
    next_step = forms.ChoiceField(
        label=_("What happens next"),
        choices=FollowUpNextStep.choices,
        initial="continue",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, goals=(), opened: datetime.date | None = None, office=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = office_today(office)
        self.opened = opened or self.today
        self.fields["date"].widget.attrs.update(
            {"min": self.opened.isoformat(), "max": self.today.isoformat()}
        )
        self.goals = list(goals)
        for goal in self.goals:
            self.fields[f"goal_{goal.pk}"] = forms.ChoiceField(
                label=goal.description,
                choices=[("", _("Not assessed")), *GoalProgress.choices],
                required=False,
            )

    def clean(self):
        data = super().clean()
        day = data.get("date")
        if day is not None:
            problem = contact_date_problem(day, opened=self.opened, today=self.today)
            if problem:
                self.add_error("date", problem)
        return data

    def goal_fields(self):
        return [self[f"goal_{goal.pk}"] for goal in self.goals]

    def progress(self) -> dict[str, str]:
        result = {}
        for goal in self.goals:
            value = self.cleaned_data.get(f"goal_{goal.pk}")
            if value:
                result[str(goal.pk)] = value
        return result


class ClosureForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason for closing"), choices=ClosureReason.choices)
    summary = forms.CharField(label=_("Closing summary"), widget=forms.Textarea(attrs={"rows": 4}))


class OverdueReviewForm(forms.Form):
    note = forms.CharField(
        label=_("What was found and what will be done"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )


# --- queue and case actions --------------------------------------------------------------


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


class RelativeForm(NoFutureDateOfBirth, forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=120)
    family_name = forms.CharField(label=_("Family name"), max_length=120)
    relationship = forms.ChoiceField(
        label=_("Relationship to the client"), choices=Relationship.choices
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial="unknown")
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    is_primary_caregiver = forms.BooleanField(label=_("Primary caregiver"), required=False)
    same_household = forms.BooleanField(
        label=_("Lives in the same household"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Today as the service checks it: in the user's office's time zone (the active one).
        self._limit_date_of_birth(None)

    def clean(self):
        data = super().clean()
        self._check_date_of_birth(data)
        return data


class ReopenForm(forms.Form):
    comment = forms.CharField(
        label=_("Why is the case being reopened?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class RiskForm(forms.Form):
    risk = forms.ChoiceField(label=_("New risk level"), choices=Risk.choices)
    comment = forms.CharField(
        label=_("Why did the risk level change?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class DecisionForm(forms.Form):
    """Approve, or return for revision: returning needs a comment."""

    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("return", _("Return for revision"))],
        widget=forms.HiddenInput,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when you return the work for revision."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("comment") or "").strip():
            self.add_error(
                "comment", _("Say what needs revising: a comment is required to return work.")
            )
        return data

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class WithdrawForm(forms.Form):
    comment = forms.CharField(
        label=_("Why are you withdrawing it? (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
