"""Forms of the case pages: they validate input; the services in services.py do the writes."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User

from ..cases.forms import CHOOSE, YES_NO, DateInput, office_today, yes_no_to_bool
from ..dates import (
    contact_date_problem,
    target_date_problem,
)
from ..flows import CaseFlow
from ..models import (
    ClosureReason,
    ContactMode,
    FollowUpNextStep,
    GoalProgress,
    IntakeSource,
    NeedLevel,
    Risk,
    Safety,
    Stage,
)
from .selectors import INBOX_SORTS

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


# --- registering a case ----------------------------------------------------------------


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
    # Left "not known" at registration: empty here, so the intake decides it (never a default).
    immediate_safety = forms.ChoiceField(
        label=_("Immediate safety"),
        choices=[("", CHOOSE), *Safety.choices],
        error_messages={"required": _("Record the client's immediate safety.")},
    )
    consent_to_share = forms.ChoiceField(label=_("Consent to share information"), choices=YES_NO)

    def clean_consent_to_share(self):
        return yes_no_to_bool(self.cleaned_data["consent_to_share"])


class AssessmentForm(forms.Form):
    """One need level per domain the case type asks (`domains`: NeedDomain rows, see
    casetypes.selectors.need_domains_for), then the strengths and the decided risk level."""

    needs_notes = forms.CharField(
        label=_("Notes on needs"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    strengths = forms.CharField(label=_("Strengths"), widget=forms.Textarea(attrs={"rows": 3}))
    risk_decided = forms.ChoiceField(label=_("Risk level decided"), choices=Risk.choices)

    def __init__(self, *args, domains, **kwargs):
        super().__init__(*args, **kwargs)
        self.domain_codes = [domain.code for domain in domains]
        need_fields = {
            f"need_{domain.code}": forms.ChoiceField(
                label=domain.label, choices=NeedLevel.choices, initial=NeedLevel.NONE
            )
            for domain in domains
        }
        # Domains first, in their configured order.
        self.fields = {**need_fields, **self.fields}

    def need_fields(self):
        return [self[f"need_{code}"] for code in self.domain_codes]

    def other_fields(self):
        return [self[name] for name in ("needs_notes", "strengths", "risk_decided")]

    def needs(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"need_{code}"] for code in self.domain_codes}


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
    row_label = _("Action %(number)s")  # names the row in the error summary

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
        label=_("Next step"),
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
