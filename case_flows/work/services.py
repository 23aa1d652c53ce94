"""Case services: every write on people, cases and their records goes through here.

Each service is one transaction; task services run under the flow's row lock through
workflows.queue.task_complete, and the flow's Function nodes move the stage.
"""

import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from accounts.backends import permissions_preload
from accounts.models import Office, Team, User
from config.compiled import insert
from workflows.queue import task_complete

from .. import timeline
from ..cases.attachments import task_attachments_to_record
from ..cases.services import CaseError, expect_node, require, risk_apply
from ..casetypes.selectors import need_domains_for
from ..dates import contact_date_problem, target_date_problem
from ..formdefs.runtime import people_answered, schema_errors
from ..formdefs.selectors import foreign_people
from ..models import (
    Assessment,
    Case,
    CasePlan,
    Closure,
    FollowUp,
    FollowUpNextStep,
    FormStage,
    FormVersion,
    FormVersionStatus,
    PlanAction,
    PlanGoal,
    Risk,
)
from ..permissions import is_caseworker

# --- people ---------------------------------------------------------------------------


# --- opening and allocating --------------------------------------------------------------


def allocation_comment(office: Office, caseworker: User, team: Team) -> str:
    """The timeline's allocation note, written in the office's language (the timeline
    shows stored text, whoever clicks and in whatever language)."""
    with translation.override(office.default_language or settings.LANGUAGE_CODE):
        return _("Allocated to %(who)s (%(team)s)") % {"who": caseworker, "team": team.name}


def case_allocate(*, task: Task, actor: User, caseworker: User, team: Team | None = None) -> Case:
    expect_node(task, "allocate")
    case = task.process.coerced.case
    if team is None:
        team = case.team or caseworker.teams.filter(office=case.office).first()
    if team is None:
        raise CaseError(_("Choose the team the case belongs to."))
    require(team.office_id == case.office_id, _("The team belongs to another office."))
    permissions_preload(caseworker)  # one query for is_caseworker's check, not two
    require(
        is_caseworker(caseworker),
        _("%(who)s is not a caseworker.") % {"who": caseworker},
    )
    require(
        team.members.filter(pk=caseworker.pk).exists(),
        _("%(who)s is not a member of %(team)s.") % {"who": caseworker, "team": team.name},
    )

    def allocate(activation):
        case = activation.process.case
        case.owner = caseworker
        case.team = team
        case.save(update_fields=["owner", "team"])
        timeline.case_allocated(
            case,
            actor=actor,
            caseworker=caseworker,
            team=team,
            comment=allocation_comment(case.office, caseworker, team),
        )

    task_complete(task=task, actor=actor, work=allocate)
    case.refresh_from_db()
    return case


# --- stage work ---------------------------------------------------------------------------


class AnswersInvalid(CaseError):
    """Configured answers their form version does not accept: the task page shows each
    problem on the configured form; any other caller gets a 400 with the message."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(str(p) for p in problems))
        self.problems = problems


def checked_answers(
    *, stage: str, answers: dict | None, form_version: FormVersion | None, task: Task
) -> dict:
    """The answers to store, re-checked against the version's JSON Schema (the page checks
    them too; an import or a caller that bypasses the page is held to the same rules), and
    any person they name a person of the case's office."""
    if form_version is None:
        if answers:
            raise AnswersInvalid([_("These answers name no form version.")])
        return {}
    if form_version.status != FormVersionStatus.PUBLISHED or form_version.definition.stage != stage:
        raise AnswersInvalid([_("This form version cannot be used for this task.")])
    answers = answers or {}
    problems = schema_errors(form_version, answers)
    if problems:
        raise AnswersInvalid(problems)
    named = people_answered(form_version, answers)
    if named and foreign_people(named, office_id=task.process.coerced.case.office_id):
        raise AnswersInvalid([_("Choose a person of this office's registry.")])
    return answers


def intake_complete(
    *,
    task: Task,
    actor: User,
    source: str,
    presenting_concerns: str,
    immediate_safety: str,
    consent_to_share: bool,
    answers: dict | None = None,
    form_version: FormVersion | None = None,
) -> Case:
    expect_node(task, "intake")
    answers = checked_answers(
        stage=FormStage.INTAKE, answers=answers, form_version=form_version, task=task
    )
    require(bool(presenting_concerns.strip()), _("Describe the presenting concerns."))
    require(bool(immediate_safety), _("Record the client's immediate safety."))
    require(consent_to_share is not None, _("Record whether the client consents to sharing."))

    def save_intake(activation):
        intake = activation.process.case.intake
        intake.source = source
        intake.presenting_concerns = presenting_concerns.strip()
        intake.immediate_safety = immediate_safety
        intake.consent_to_share = consent_to_share
        intake.completed_at = timezone.now()
        intake.completed_by = actor
        intake.form_version = form_version
        intake.answers = answers
        intake.save()
        timeline.intake_completed(activation.process.case, actor=actor, intake=intake)

    task_complete(task=task, actor=actor, work=save_intake)
    return task.process.coerced.case  # as the completion read and moved it


def assessment_submit(
    *,
    task: Task,
    actor: User,
    needs: dict[str, str],
    strengths: str,
    risk_decided: str,
    needs_notes: str = "",
    answers: dict | None = None,
    form_version: FormVersion | None = None,
) -> Assessment:
    expect_node(task, "assess")
    answers = checked_answers(
        stage=FormStage.ASSESSMENT, answers=answers, form_version=form_version, task=task
    )
    require(bool(strengths.strip()), _("Record the client's strengths."))
    require(risk_decided in Risk.values, _("Decide the risk level."))

    def save_assessment(activation):
        case = activation.process.case
        # The domains the case's type asks now (a retired one is no longer scored).
        valid_domains = {domain.code for domain in need_domains_for(case)}
        require(set(needs) <= valid_domains, _("Unknown need domain."))
        record = Assessment.objects.create(
            case=case,
            episode=case.episode,
            created_by=actor,
            needs=needs,
            needs_notes=needs_notes,
            strengths=strengths.strip(),
            risk_decided=risk_decided,
            form_version=form_version,
            answers=answers,
        )
        case.record_created(record)
        risk_apply(case, actor=actor, risk=risk_decided, comment=_("Risk decided at assessment"))
        task_attachments_to_record(task=task, record=record)
        return record

    return task_complete(task=task, actor=actor, work=save_assessment)


def plan_submit(
    *,
    task: Task,
    actor: User,
    goals: list[str],
    actions: list[dict],
    summary: str = "",
    no_referral_needed: bool = False,
    answers: dict | None = None,
    form_version: FormVersion | None = None,
) -> CasePlan:
    expect_node(task, "plan")
    answers = checked_answers(
        stage=FormStage.PLAN, answers=answers, form_version=form_version, task=task
    )
    goals = [g.strip() for g in goals if g and g.strip()]
    require(bool(goals), _("A case plan needs at least one goal."))
    require(bool(actions), _("A case plan needs at least one action."))
    for action in actions:
        require(
            bool(
                action.get("description")
                and action.get("responsible")
                and action.get("target_date")
            ),
            _("Each action needs a description, a responsible party and a target date."),
        )
        problem = target_date_problem(action["target_date"], timezone.localdate())
        if problem:
            raise CaseError(problem)

    def save_plan(activation):
        case = activation.process.case
        plan = CasePlan.objects.create(
            case=case,
            episode=case.episode,
            created_by=actor,
            summary=summary,
            no_referral_needed=no_referral_needed,
            form_version=form_version,
            answers=answers,
        )
        case.record_created(plan)
        PlanGoal.objects.bulk_create([PlanGoal(plan=plan, description=g) for g in goals])
        PlanAction.objects.bulk_create(
            [
                PlanAction(
                    plan=plan,
                    description=a["description"],
                    responsible=a["responsible"],
                    target_date=a["target_date"],
                )
                for a in actions
            ]
        )
        activation.process.next_step = "submit"
        activation.process.save(update_fields=["next_step"])
        task_attachments_to_record(task=task, record=plan)
        return plan

    return task_complete(task=task, actor=actor, work=save_plan)


def plan_request_reassessment(*, task: Task, actor: User, reason: str) -> Case:
    """From planning, go back to assessment (e.g. new facts came to light)."""
    expect_node(task, "plan")
    require(bool(reason.strip()), _("Say why the case needs reassessment."))

    def choose(activation):
        activation.process.next_step = "reassess"
        activation.process.save(update_fields=["next_step"])
        timeline.reassessment_requested(activation.process.case, actor=actor, reason=reason.strip())

    task_complete(task=task, actor=actor, work=choose)
    return task.process.coerced.case  # as the completion read and moved it


def follow_up_record(
    *,
    task: Task,
    actor: User,
    date: datetime.date,
    mode: str,
    notes: str,
    next_step: str = "continue",
    progress: dict[str, str] | None = None,
    answers: dict | None = None,
    form_version: FormVersion | None = None,
) -> FollowUp:
    expect_node(task, "follow_up")
    answers = checked_answers(
        stage=FormStage.FOLLOW_UP, answers=answers, form_version=form_version, task=task
    )
    require(next_step in FollowUpNextStep.values, _("Choose what happens next."))
    require(bool(notes.strip()), _("Write what happened at the follow-up."))

    def save_follow_up(activation):
        # Checked on the case as the completion read it (with its office): nothing is
        # written when the date is refused.
        case = activation.process.case
        office_today = timezone.localdate(timezone=case.office.tzinfo)
        problem = contact_date_problem(
            date,
            opened=timezone.localdate(case.opened_at, timezone=case.office.tzinfo),
            # A day of grace: the caseworker's device may be a time zone ahead of the office.
            today=office_today + datetime.timedelta(days=1),
        )
        if problem:
            raise CaseError(problem)
        record = FollowUp(
            case=case,
            episode=case.episode,
            created_by=actor,
            date=date,
            mode=mode,
            notes=notes.strip(),
            progress=progress or {},
            form_version=form_version,
            answers=answers,
        )
        insert(record)  # FollowUp.objects.create, its INSERT compiled once
        activation.process.next_step = next_step
        activation.process.save(update_fields=["next_step"])
        timeline.follow_up_recorded(case, actor=actor, follow_up=record, next_step=next_step)
        task_attachments_to_record(task=task, record=record)
        return record

    return task_complete(task=task, actor=actor, work=save_follow_up)


def closure_prepare(
    *,
    task: Task,
    actor: User,
    reason: str,
    summary: str,
    answers: dict | None = None,
    form_version: FormVersion | None = None,
) -> Closure:
    expect_node(task, "prepare_closure")
    answers = checked_answers(
        stage=FormStage.CLOSURE, answers=answers, form_version=form_version, task=task
    )
    require(bool(reason), _("Choose the reason for closing."))
    require(bool(summary.strip()), _("Write a closing summary."))

    def save_closure(activation):
        case = activation.process.case
        closure = Closure.objects.create(
            case=case,
            episode=case.episode,
            created_by=actor,
            reason=reason,
            summary=summary.strip(),
            form_version=form_version,
            answers=answers,
        )
        case.record_created(closure)
        task_attachments_to_record(task=task, record=closure)
        return closure

    return task_complete(task=task, actor=actor, work=save_closure)


# --- case-level actions --------------------------------------------------------------------
