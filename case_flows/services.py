"""Case services: every write on people, cases and their records goes through here.

Each service is one transaction; task services run under the flow's row lock through
workflows.queue.task_complete, and the flow's Function nodes move the stage.
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from accounts.models import Office, Role, Team, User
from accounts.scope import can_see
from workflows.errors import Conflict, NotPermitted, WorkflowError
from workflows.queue import conflicts_as_errors, task_complete

from . import timeline
from .dates import contact_date_problem, date_of_birth_problem, target_date_problem
from .flow import hooks as task_hooks
from .flows import CaseFlow
from .models import (
    NEED_DOMAINS,
    Assessment,
    Case,
    CaseEvent,
    CasePlan,
    CaseReferenceCounter,
    Category,
    Closure,
    FollowUp,
    FollowUpNextStep,
    Intake,
    Person,
    PersonRelation,
    PlanAction,
    PlanGoal,
    Referral,
    Risk,
    Stage,
)
from .permissions import CasePerm, can_see_case, can_work_on, is_caseworker, may_open_cases
from .text import digits, fold


class CaseError(WorkflowError):
    pass


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise CaseError(message)


def _require_perm(user: User, perm: str) -> None:
    if not user.has_perm(perm):
        raise NotPermitted(_("You do not have permission to do this."))


def _expect_node(task: Task, *names: str) -> None:
    if task.flow_task is None or task.flow_task.name not in names:
        raise CaseError(_("This is not the right kind of task for this action."))


# --- people ---------------------------------------------------------------------------


@transaction.atomic
def person_create(
    *,
    actor: User,
    office: Office,
    given_name: str,
    family_name: str,
    sex: str = "unknown",
    date_of_birth: datetime.date | None = None,
    date_of_birth_estimated: bool = False,
    national_id: str = "",
    phone: str = "",
    address: str = "",
    preferred_language: str = "",
    disability: bool = False,
    disability_notes: str = "",
) -> Person:
    given_name, family_name = given_name.strip(), family_name.strip()
    _require(bool(given_name and family_name), _("Given and family names are required."))
    today = timezone.localdate(timezone=office.tzinfo) if office else timezone.localdate()
    problem = date_of_birth_problem(date_of_birth, today)
    if problem:
        raise CaseError(problem)
    return Person.objects.create(
        given_name=given_name,
        family_name=family_name,
        search_name=fold(f"{given_name} {family_name}"),
        sex=sex,
        date_of_birth=date_of_birth,
        date_of_birth_estimated=date_of_birth_estimated,
        national_id=national_id.strip(),
        phone=phone.strip(),
        phone_digits=digits(phone),
        address=address.strip(),
        preferred_language=preferred_language,
        disability=disability,
        disability_notes=disability_notes,
        office=office,
        created_by=actor,
    )


@transaction.atomic
def person_link_relative(
    *,
    actor: User,
    person: Person,
    relative: Person,
    relationship: str,
    is_primary_caregiver: bool = False,
    same_household: bool = True,
) -> PersonRelation:
    _require(person.pk != relative.pk, _("A person cannot be their own relative."))
    try:
        with transaction.atomic():
            return PersonRelation.objects.create(
                person=person,
                relative=relative,
                relationship=relationship,
                is_primary_caregiver=is_primary_caregiver,
                same_household=same_household,
            )
    except IntegrityError as exc:
        raise CaseError(_("These two people are already linked.")) from exc


def case_add_relative(
    *,
    case: Case,
    actor: User,
    given_name: str,
    family_name: str,
    relationship: str,
    sex: str = "unknown",
    date_of_birth: datetime.date | None = None,
    phone: str = "",
    is_primary_caregiver: bool = False,
    same_household: bool = True,
) -> PersonRelation:
    """Record a relative or caregiver of the case's client (a child's household)."""
    if not can_work_on(actor, case):
        raise NotPermitted(_("You do not have permission to do this."))
    _require(case.stage != Stage.CLOSED, _("Reopen the case before changing it."))
    with transaction.atomic():
        relative = person_create(
            actor=actor,
            office=case.office,
            given_name=given_name,
            family_name=family_name,
            sex=sex,
            date_of_birth=date_of_birth,
            phone=phone,
        )
        relation = person_link_relative(
            actor=actor,
            person=case.person,
            relative=relative,
            relationship=relationship,
            is_primary_caregiver=is_primary_caregiver,
            same_household=same_household,
        )
        timeline.relative_added(case, actor=actor, relative=relative, relation=relation)
    return relation


# --- opening and allocating --------------------------------------------------------------


def case_reference_next(*, office: Office, year: int) -> str:
    """BEK-2026-000123: per office and year, under a row lock, never reused."""
    CaseReferenceCounter.objects.bulk_create(
        [CaseReferenceCounter(office=office, year=year)], ignore_conflicts=True
    )
    counter = CaseReferenceCounter.objects.select_for_update().get(office=office, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{office.code}-{year}-{counter.last_number:06d}"


def case_open(
    *,
    actor: User,
    person: Person,
    office: Office,
    category: Category,
    risk: str,
    source: str,
    presenting_concerns: str,
    immediate_safety: str = "",
    consent_to_share: bool | None = None,
    team: Team | None = None,
) -> Case:
    """Register a new case at intake; the allocation task lands in the office's supervisor queue."""
    if not may_open_cases(actor):
        raise NotPermitted(_("You do not have permission to open cases."))
    in_scope = can_see(actor, office_id=office.pk, team_id=team.pk if team else None, owner_id=None)
    if not (in_scope or actor.home_office_id == office.pk):
        raise NotPermitted(_("You can open cases only for your own office."))
    _require(risk in Risk.values, _("Choose a risk level."))
    _require(bool(presenting_concerns.strip()), _("Describe the presenting concerns."))
    _require(category.is_active, _("This category is no longer in use."))
    _require(team is None or team.office_id == office.pk, _("The team belongs to another office."))
    with conflicts_as_errors(), transaction.atomic():
        now = timezone.now()
        case = Case.objects.create(
            reference=case_reference_next(
                office=office, year=timezone.localtime(now, office.tzinfo).year
            ),
            person=person,
            office=office,
            team=team,
            risk=risk,
            category=category,
            opened_at=now,
            stage_entered_at=now,
            created_by=actor,
        )
        Intake.objects.create(
            case=case,
            source=source,
            presenting_concerns=presenting_concerns.strip(),
            immediate_safety=immediate_safety,
            consent_to_share=consent_to_share,
        )
        timeline.case_opened(case, actor=actor, at=now)
        CaseFlow.start.run(case=case, actor=actor)
        task_hooks.decision_clock_open(case)
    return case


def allocation_comment(office: Office, caseworker: User, team: Team) -> str:
    """The timeline's allocation note, written in the office's language (the timeline
    shows stored text, whoever clicks and in whatever language)."""
    with translation.override(office.default_language or settings.LANGUAGE_CODE):
        return _("Allocated to %(who)s (%(team)s)") % {"who": caseworker, "team": team.name}


def case_allocate(*, task: Task, actor: User, caseworker: User, team: Team | None = None) -> Case:
    _expect_node(task, "allocate")
    case = task.process.coerced.case
    if team is None:
        team = case.team or caseworker.teams.filter(office=case.office).first()
    _require(team is not None, _("Choose the team the case belongs to."))
    _require(team.office_id == case.office_id, _("The team belongs to another office."))
    _require(
        is_caseworker(caseworker),
        _("%(who)s is not a caseworker.") % {"who": caseworker},
    )
    _require(
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


def intake_complete(
    *,
    task: Task,
    actor: User,
    source: str,
    presenting_concerns: str,
    immediate_safety: str,
    consent_to_share: bool,
) -> Case:
    _expect_node(task, "intake")
    _require(bool(presenting_concerns.strip()), _("Describe the presenting concerns."))
    _require(bool(immediate_safety), _("Record the client's immediate safety."))
    _require(consent_to_share is not None, _("Record whether the client consents to sharing."))

    def save_intake(activation):
        intake = activation.process.case.intake
        intake.source = source
        intake.presenting_concerns = presenting_concerns.strip()
        intake.immediate_safety = immediate_safety
        intake.consent_to_share = consent_to_share
        intake.completed_at = timezone.now()
        intake.completed_by = actor
        intake.save()
        timeline.intake_completed(activation.process.case, actor=actor, intake=intake)

    task_complete(task=task, actor=actor, work=save_intake)
    return Case.objects.get(pk=task.process.coerced.case_id)


def _change_risk(case: Case, *, actor: User, risk: str, comment: str) -> None:
    if risk == case.risk:
        return
    old = case.risk
    case.risk = risk
    case.save(update_fields=["risk"])
    timeline.risk_changed(case, actor=actor, old=old, comment=comment)
    task_hooks.risk_changed(case, actor=actor)


def assessment_submit(
    *,
    task: Task,
    actor: User,
    needs: dict[str, str],
    strengths: str,
    risk_decided: str,
    needs_notes: str = "",
) -> Assessment:
    _expect_node(task, "assess")
    valid_domains = {code for code, _label in NEED_DOMAINS}
    _require(set(needs) <= valid_domains, _("Unknown need domain."))
    _require(bool(strengths.strip()), _("Record the client's strengths."))
    _require(risk_decided in Risk.values, _("Decide the risk level."))

    def save_assessment(activation):
        case = activation.process.case
        record = Assessment.objects.create(
            case=case,
            episode=case.episode,
            created_by=actor,
            needs=needs,
            needs_notes=needs_notes,
            strengths=strengths.strip(),
            risk_decided=risk_decided,
        )
        _change_risk(case, actor=actor, risk=risk_decided, comment=_("Risk decided at assessment"))
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
) -> CasePlan:
    _expect_node(task, "plan")
    goals = [g.strip() for g in goals if g and g.strip()]
    _require(bool(goals), _("A case plan needs at least one goal."))
    _require(bool(actions), _("A case plan needs at least one action."))
    for action in actions:
        _require(
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
        )
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
        return plan

    return task_complete(task=task, actor=actor, work=save_plan)


def plan_request_reassessment(*, task: Task, actor: User, reason: str) -> Case:
    """From planning, go back to assessment (e.g. new facts came to light)."""
    _expect_node(task, "plan")
    _require(bool(reason.strip()), _("Say why the case needs reassessment."))

    def choose(activation):
        activation.process.next_step = "reassess"
        activation.process.save(update_fields=["next_step"])
        timeline.reassessment_requested(activation.process.case, actor=actor, reason=reason.strip())

    task_complete(task=task, actor=actor, work=choose)
    return Case.objects.get(pk=task.process.coerced.case_id)


def referrals_arrange(
    *, task: Task, actor: User, referrals: list[dict], none_needed: bool = False
) -> list[Referral]:
    _expect_node(task, "arrange_referrals")
    _require(
        bool(referrals) or none_needed,
        _("Record at least one referral, or confirm that none is needed."),
    )
    for ref in referrals:
        _require(
            bool(ref.get("service_type") and (ref.get("provider") or ref.get("provider_name"))),
            _("Each referral needs a service type and a provider."),
        )
    created = []

    def save_referrals(activation):
        from .referrals.services import referral_create

        case = activation.process.case
        for ref in referrals:
            created.append(
                referral_create(
                    case=case,
                    actor=actor,
                    service_type=ref["service_type"],
                    provider=ref.get("provider"),
                    provider_name=ref.get("provider_name") or "",
                    urgency=ref.get("urgency") or "routine",
                    consent_recorded=bool(ref.get("consent_recorded")),
                    notes=ref.get("notes", ""),
                    override_reason=ref.get("override_reason", ""),
                )
            )
        if none_needed and not referrals:
            plan = case._latest(CasePlan)
            if plan is not None and not plan.no_referral_needed:
                plan.no_referral_needed = True
                plan.save(update_fields=["no_referral_needed"])
        timeline.referrals_arranged(case, actor=actor, count=len(created))

    task_complete(task=task, actor=actor, work=save_referrals)
    return created


def follow_up_record(
    *,
    task: Task,
    actor: User,
    date: datetime.date,
    mode: str,
    notes: str,
    next_step: str = "continue",
    progress: dict[str, str] | None = None,
) -> FollowUp:
    _expect_node(task, "follow_up")
    _require(next_step in FollowUpNextStep.values, _("Choose what happens next."))
    _require(bool(notes.strip()), _("Write what happened at the follow-up."))
    case = task.process.caseprocess.case
    office_today = timezone.localdate(timezone=case.office.tzinfo)
    problem = contact_date_problem(
        date,
        opened=timezone.localdate(case.opened_at, timezone=case.office.tzinfo),
        # A day of grace: the caseworker's device may be a time zone ahead of the office.
        today=office_today + datetime.timedelta(days=1),
    )
    if problem:
        raise CaseError(problem)

    def save_follow_up(activation):
        case = activation.process.case
        record = FollowUp.objects.create(
            case=case,
            episode=case.episode,
            created_by=actor,
            date=date,
            mode=mode,
            notes=notes.strip(),
            progress=progress or {},
        )
        activation.process.next_step = next_step
        activation.process.save(update_fields=["next_step"])
        timeline.follow_up_recorded(case, actor=actor, follow_up=record, next_step=next_step)
        return record

    return task_complete(task=task, actor=actor, work=save_follow_up)


def closure_prepare(*, task: Task, actor: User, reason: str, summary: str) -> Closure:
    _expect_node(task, "prepare_closure")
    _require(bool(reason), _("Choose the reason for closing."))
    _require(bool(summary.strip()), _("Write a closing summary."))

    def save_closure(activation):
        case = activation.process.case
        return Closure.objects.create(
            case=case,
            episode=case.episode,
            created_by=actor,
            reason=reason,
            summary=summary.strip(),
        )

    return task_complete(task=task, actor=actor, work=save_closure)


def overdue_review_complete(*, task: Task, actor: User, note: str) -> CaseEvent:
    """A manager records their review of a case escalated for missed deadlines."""
    _expect_node(task, "review_overdue")
    _require(bool(note.strip()), _("Write what you found and what will be done."))

    def record(activation):
        case = activation.process.case
        # The case may be escalated to a manager again from now on.
        activation.process.overdue_review_open_for = None
        activation.process.save(update_fields=["overdue_review_open_for"])
        return timeline.overdue_review_recorded(case, actor=actor, note=note.strip())

    return task_complete(task=task, actor=actor, work=record)


# --- case-level actions --------------------------------------------------------------------


def case_reopen(*, case: Case, actor: User, comment: str) -> Case:
    """Reopen a closed case: a new episode and a new flow process, back to assessment."""
    _require_perm(actor, CasePerm.REOPEN_CASE)
    if not can_see_case(actor, case):
        raise NotPermitted(_("You do not have permission to do this."))
    _require(bool(comment.strip()), _("Say why the case is being reopened."))
    with conflicts_as_errors(), transaction.atomic():
        locked = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
        if locked.stage != Stage.CLOSED:
            raise Conflict(_("Only a closed case can be reopened; this one is already open."))
        CaseFlow.start_reopened.run(
            case=locked, actor=actor, _task_data={"comment": comment.strip()}
        )
    case.refresh_from_db()
    return case


@transaction.atomic
def case_change_risk(*, case: Case, actor: User, risk: str, comment: str) -> Case:
    _require(risk in Risk.values, _("Choose a risk level."))
    _require(bool(comment.strip()), _("Say why the risk level changed."))
    if not can_work_on(actor, case):
        raise NotPermitted(_("You do not have permission to do this."))
    locked = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
    _require(locked.stage != Stage.CLOSED, _("A closed case's risk level cannot change."))
    _change_risk(locked, actor=actor, risk=risk, comment=comment.strip())
    return locked


def caseworkers_for_allocation(case: Case):
    """Active caseworkers of the case's office teams, for the allocation form."""
    return (
        User.objects.filter(
            is_active=True,
            groups__name=Role.CASEWORKER,
            teams__office_id=case.office_id,
        )
        .distinct()
        .order_by("first_name", "last_name")
    )
