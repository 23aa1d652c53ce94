"""One TaskPage per human node of CaseFlow: the forms it shows, the one service its submit
calls, and its template. The registry is keyed by node name; a test checks that every human
node has a page (approval nodes are decided on the approval page instead)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ..cases import selectors as case_selectors
from ..casetypes.selectors import need_domains_for
from ..decisions import services as decision_services
from ..decisions.forms import DecisionDraftForm
from ..documents import selectors as document_selectors
from ..documents.forms import attachment_choices
from ..formdefs.content import has_person_field
from ..formdefs.runtime import ConfiguredForm, people_answered
from ..formdefs.selectors import case_people, form_version_for
from ..models import FormStage
from ..referrals import services as referral_services
from ..referrals.forms import ReferralFormSet
from ..referrals.selectors import providers_for_case
from ..reviews import services as review_services
from ..reviews.forms import CaseReviewForm
from ..reviews.services import case_review_complete
from . import services as work_services
from .forms import (
    AllocateForm,
    AssessmentForm,
    ClosureForm,
    FollowUpForm,
    IntakeForm,
    OverdueReviewForm,
    PlanActionFormSet,
    PlanForm,
    ReassessmentForm,
    ReferralsDoneForm,
)

# Decided on the approval page (the task page redirects there).
APPROVAL_NODES = {"approve_assessment", "approve_plan", "approve_closure", "approve_decision"}


class TaskPage:
    """What one kind of task shows and does. `forms` builds the forms, bound to `data` for
    the part the user submitted; `submit` validates them and calls the node's one service,
    returning the success message, or None when the input is invalid (nothing changed)."""

    node: str = ""
    # The stage record the task writes, when an office may configure its form (FormStage).
    stage: str = ""

    @property
    def template(self) -> str:
        return f"case_flows/tasks/{self.node}.html"

    def forms(self, case, data=None, action: str = "") -> dict:
        raise NotImplementedError

    def task_forms(self, task, case, data=None, action: str = "") -> dict:
        """The forms of this task (a page that needs more than the case overrides it)."""
        return self.forms(case, data, action)

    def configured(self, case, data=None, *, answers: dict | None = None) -> dict:
        """{"configured": the configured form} when the case's stage uses a published
        version, else {} (the page is the built-in form alone). Prefilled from `answers`."""
        version = form_version_for(case, self.stage) if self.stage else None
        if version is None:
            return {}
        people, find_url = None, ""
        if has_person_field(version.content):  # the case's people, only when asked for
            people = case_people(case, also=people_answered(version, answers or {}))
            find_url = reverse("relative_find", args=[case.pk])
        return {
            "configured": ConfiguredForm(
                data, version=version, answers=answers, people=people, find_person_url=find_url
            )
        }

    def submit(self, forms: dict, *, task, actor, action: str = "") -> str | None:
        form = forms["form"]
        if not valid_together(form, forms.get("configured")):
            return None
        return with_answers(
            forms, lambda extra: self.done(form, form.cleaned_data, task=task, actor=actor, **extra)
        )

    def done(self, form, data: dict, *, task, actor, **answers) -> str:
        """The service call for a page with one valid form; returns the success message.
        `answers` carries the configured form's `answers` and `form_version`, if it has one."""
        raise NotImplementedError


def valid_together(*forms) -> bool:
    """Every form validated (so each shows its errors), True when all are valid."""
    results = [f.is_valid() for f in forms if f is not None]
    return all(results)


def with_answers(forms: dict, call):
    """Call the service with the configured form's answers (if any); answers the service
    refuses (its own check against the version's schema) become the form's errors: None."""
    configured = forms.get("configured")
    if configured is None:
        return call({})
    try:
        return call({"answers": configured.answers(), "form_version": configured.version})
    except work_services.AnswersInvalid as exc:
        for problem in exc.problems:
            configured.add_error(None, problem)
        return None


PAGES: dict[str, TaskPage] = {}


def page(cls):
    """Register a TaskPage subclass under its node name."""
    PAGES[cls.node] = cls()
    return cls


def page_for(node: str) -> TaskPage | None:
    return PAGES.get(node)


@page
class AllocatePage(TaskPage):
    node = "allocate"

    def forms(self, case, data=None, action=""):
        caseworkers = case_selectors.caseworkers_for_allocation(case)
        return {"form": AllocateForm(data, case=case, caseworkers=caseworkers)}

    def done(self, form, data, *, task, actor):
        work_services.case_allocate(
            task=task, actor=actor, caseworker=data["caseworker"], team=data["team"]
        )
        return _("The case was allocated to %(who)s.") % {"who": data["caseworker"]}


@page
class IntakePage(TaskPage):
    node = "intake"
    stage = FormStage.INTAKE

    def forms(self, case, data=None, action=""):
        intake = case.intake
        initial = {
            "source": intake.source,
            "presenting_concerns": intake.presenting_concerns,
            "immediate_safety": intake.immediate_safety,
            "consent_to_share": {True: "yes", False: "no"}.get(intake.consent_to_share, ""),
        }
        return {
            "form": IntakeForm(data, initial=initial),
            **self.configured(case, data, answers=intake.answers),
        }

    def done(self, form, data, *, task, actor, **answers):
        work_services.intake_complete(task=task, actor=actor, **data, **answers)
        return _("Intake completed.")


@page
class AssessPage(TaskPage):
    node = "assess"
    stage = FormStage.ASSESSMENT

    def forms(self, case, data=None, action=""):
        # A returned (or repeated) assessment starts from the episode's last one.
        initial = {"risk_decided": case.risk}
        assessment = case_selectors.latest_assessment(case)
        if assessment is not None:
            initial.update(
                {f"need_{code}": level for code, level in assessment.needs.items()},
                strengths=assessment.strengths,
                needs_notes=assessment.needs_notes,
            )
        return {
            "form": AssessmentForm(data, initial=initial, domains=need_domains_for(case)),
            **self.configured(case, data, answers=assessment.answers if assessment else None),
        }

    def done(self, form, data, *, task, actor, **answers):
        work_services.assessment_submit(
            task=task,
            actor=actor,
            needs=form.needs(),
            strengths=data["strengths"],
            risk_decided=data["risk_decided"],
            needs_notes=data["needs_notes"],
            **answers,
        )
        return _("The assessment was submitted.")


@page
class PlanPage(TaskPage):
    node = "plan"
    stage = FormStage.PLAN

    def forms(self, case, data=None, action=""):
        plan = case_selectors.latest_plan(case)
        initial, action_initial = {}, []
        if plan is not None:  # revising a returned plan starts from the last one
            initial = {
                "summary": plan.summary,
                "goals": "\n".join(g.description for g in plan.goals.all()),
                "no_referral_needed": plan.no_referral_needed,
            }
            action_initial = [
                {
                    "description": a.description,
                    "responsible": a.responsible,
                    "target_date": a.target_date,
                }
                for a in plan.actions.all()
            ]
        plan_data = data if action != "reassess" else None
        return {
            "form": PlanForm(plan_data, initial=initial),
            "formset": PlanActionFormSet(plan_data, prefix="actions", initial=action_initial),
            "reassess_form": ReassessmentForm(data if action == "reassess" else None),
            **self.configured(case, plan_data, answers=plan.answers if plan else None),
        }

    def submit(self, forms, *, task, actor, action=""):
        if action == "reassess":
            form = forms["reassess_form"]
            if not form.is_valid():
                return None
            work_services.plan_request_reassessment(
                task=task, actor=actor, reason=form.cleaned_data["reason"]
            )
            return _("The case goes back to assessment.")
        form, formset = forms["form"], forms["formset"]
        if not valid_together(form, formset, forms.get("configured")):
            return None
        data = form.cleaned_data

        def submit(answers):
            work_services.plan_submit(
                task=task,
                actor=actor,
                goals=data["goals"],
                actions=formset.actions(),
                summary=data["summary"],
                no_referral_needed=data["no_referral_needed"],
                **answers,
            )
            return _("The case plan was submitted.")

        return with_answers(forms, submit)


@page
class ArrangeReferralsPage(TaskPage):
    node = "arrange_referrals"

    def forms(self, case, data=None, action=""):
        # Each referral chooses the case's attachments its provider may see (the list the
        # page's attachments section shows: one query for both).
        choices = attachment_choices(document_selectors.live_attachments(case))
        formset = ReferralFormSet(
            data,
            prefix="referrals",
            form_kwargs={"providers": providers_for_case(case), "attachment_choices": choices},
        )
        return {"form": ReferralsDoneForm(data, formset=formset), "formset": formset}

    def submit(self, forms, *, task, actor, action=""):
        form, formset = forms["form"], forms["formset"]
        if not (formset.is_valid() & form.is_valid()):
            return None
        referral_services.referrals_arrange(
            task=task,
            actor=actor,
            referrals=formset.referrals(),
            none_needed=form.cleaned_data["none_needed"],
        )
        return _("Referrals recorded.")


@page
class FollowUpPage(TaskPage):
    node = "follow_up"
    stage = FormStage.FOLLOW_UP

    def forms(self, case, data=None, action=""):
        plan = case_selectors.latest_plan(case)
        goals = plan.goals.all() if plan is not None else []
        return {
            "form": FollowUpForm(
                data,
                goals=goals,
                opened=timezone.localdate(case.opened_at, timezone=case.office.tzinfo),
                office=case.office,
                initial={"date": timezone.localdate()},
            ),
            **self.configured(case, data),
        }

    def done(self, form, data, *, task, actor, **answers):
        work_services.follow_up_record(
            task=task,
            actor=actor,
            date=data["date"],
            mode=data["mode"],
            notes=data["notes"],
            next_step=data["next_step"],
            progress=form.progress(),
            **answers,
        )
        return _("Follow-up recorded.")


@page
class PrepareClosurePage(TaskPage):
    node = "prepare_closure"
    stage = FormStage.CLOSURE

    def forms(self, case, data=None, action=""):
        closure = case_selectors.latest_closure(case)  # a returned closure comes back as it was
        initial = {"reason": closure.reason, "summary": closure.summary} if closure else {}
        return {
            "form": ClosureForm(data, initial=initial),
            **self.configured(case, data, answers=closure.answers if closure else None),
        }

    def done(self, form, data, *, task, actor, **answers):
        work_services.closure_prepare(
            task=task, actor=actor, reason=data["reason"], summary=data["summary"], **answers
        )
        return _("The closure was submitted for approval.")


@page
class ReviewOverduePage(TaskPage):
    node = "review_overdue"

    def forms(self, case, data=None, action=""):
        return {"form": OverdueReviewForm(data)}

    def done(self, form, data, *, task, actor):
        review_services.overdue_review_complete(task=task, actor=actor, note=data["note"])
        return _("Your review was recorded on the case timeline.")


@page
class ReviewCasePage(TaskPage):
    node = "review_case"

    def forms(self, case, data=None, action=""):
        return {"form": CaseReviewForm(data)}

    def done(self, form, data, *, task, actor):
        case_review_complete(task=task, actor=actor, **data)
        return _("Your review was recorded on the case timeline.")


@page
class PrepareDecisionPage(TaskPage):
    """The draft decision of the task's own process: save it, or submit it for approval."""

    node = "prepare_decision"

    def task_forms(self, task, case, data=None, action=""):
        decision = task.process.caseprocess.decision
        return {
            "form": DecisionDraftForm(data, initial=DecisionDraftForm.initial_from(decision)),
            "decision": decision,
        }

    def submit(self, forms, *, task, actor, action=""):
        form = forms["form"]
        if not form.is_valid():
            return None
        if action == SAVE_DRAFT:
            decision_services.decision_save(
                decision=forms["decision"], actor=actor, **form.values()
            )
            return _("The draft was saved.")
        decision_services.decision_submit(task=task, actor=actor, **form.values())
        return _("The decision was submitted for approval.")


# The action of a page that saves work without completing the task: the page is shown again.
SAVE_DRAFT = "save_draft"
