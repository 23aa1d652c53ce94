"""Case services: every write on people, cases and their records goes through here.

Each service is one transaction; task services run under the flow's row lock through
workflows.queue.task_complete, and the flow's Function nodes move the stage.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from accounts.models import Office, Team, User
from accounts.phones import phone_problem
from accounts.scope import can_see
from workflows.errors import Conflict, NotPermitted, WorkflowError
from workflows.queue import conflicts_as_errors

from .. import timeline
from ..dates import date_of_birth_problem
from ..flow import hooks as task_hooks
from ..flows import CaseFlow
from ..models import (
    Case,
    CaseAccessGrant,
    CaseReferenceCounter,
    Category,
    GrantKind,
    IdentifierKind,
    Intake,
    Person,
    PersonRelation,
    Risk,
    Stage,
)
from ..permissions import (
    CasePerm,
    can_see_case,
    can_work_on,
    in_ordinary_scope,
    may_open_cases,
    supervises_case,
)
from ..text import digits, fold


class CaseError(WorkflowError):
    pass


def require(condition: bool, message: str) -> None:
    if not condition:
        raise CaseError(message)


def require_perm(user: User, perm: str) -> None:
    if not user.has_perm(perm):
        raise NotPermitted(_("You do not have permission to do this."))


def expect_node(task: Task, *names: str) -> None:
    if task.flow_task is None or task.flow_task.name not in names:
        raise CaseError(_("This is not the right kind of task for this action."))


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
    national_id_kind: IdentifierKind | None = None,
    phone: str = "",
    address: str = "",
    preferred_language: str = "",
    disability: bool = False,
    disability_notes: str = "",
) -> Person:
    given_name, family_name = given_name.strip(), family_name.strip()
    require(bool(given_name and family_name), _("Given and family names are required."))
    today = timezone.localdate(timezone=office.tzinfo) if office else timezone.localdate()
    problem = date_of_birth_problem(date_of_birth, today) or phone_problem(phone)
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
        national_id_kind=national_id_kind if national_id.strip() else None,
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
    require(person.pk != relative.pk, _("A person cannot be their own relative."))
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
    relationship: str,
    given_name: str = "",
    family_name: str = "",
    relative: Person | None = None,
    sex: str = "unknown",
    date_of_birth: datetime.date | None = None,
    phone: str = "",
    is_primary_caregiver: bool = False,
    same_household: bool = True,
) -> PersonRelation:
    """Record a relative or caregiver of the case's client (a child's household): a person
    already registered (`relative`, found by the registry search) or a new one."""
    if not can_work_on(actor, case):
        raise NotPermitted(_("You do not have permission to do this."))
    require(case.stage != Stage.CLOSED, _("Reopen the case before changing it."))
    with transaction.atomic():
        if relative is None:
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


def case_reference_next(*, office: Office, year: int) -> str:
    """BEK-2026-000123: per office and year, under a row lock, never reused."""
    CaseReferenceCounter.objects.bulk_create(
        [CaseReferenceCounter(office=office, year=year)], ignore_conflicts=True
    )
    counter = CaseReferenceCounter.objects.select_for_update().get(office=office, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{office.code}-{year}-{counter.last_number:06d}"


def case_references_next(*, office: Office, year: int, count: int) -> list[str]:
    """`count` references in a row (an import's batch), from the same counter and lock as
    case_reference_next."""
    CaseReferenceCounter.objects.bulk_create(
        [CaseReferenceCounter(office=office, year=year)], ignore_conflicts=True
    )
    counter = CaseReferenceCounter.objects.select_for_update().get(office=office, year=year)
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return [f"{office.code}-{year}-{n:06d}" for n in range(first, first + count)]


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
    candidates_shown: list[int] | None = None,
) -> Case:
    """Register a new case at intake; the allocation task lands in the office's supervisor queue."""
    if not may_open_cases(actor):
        raise NotPermitted(_("You do not have permission to open cases."))
    in_scope = can_see(actor, office_id=office.pk, team_id=team.pk if team else None, owner_id=None)
    if not (in_scope or actor.home_office_id == office.pk):
        raise NotPermitted(_("You can open cases only for your own office."))
    require(risk in Risk.values, _("Choose a risk level."))
    require(bool(presenting_concerns.strip()), _("Describe the presenting concerns."))
    require(category.is_active, _("This category is no longer in use."))
    require(team is None or team.office_id == office.pk, _("The team belongs to another office."))
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
        timeline.case_opened(case, actor=actor, at=now, candidates_shown=candidates_shown)
        if category.restricted_by_default:
            _restrict_at_registration(case, actor=actor)
        CaseFlow.start.run(case=case, actor=actor)
        task_hooks.decision_clock_open(case)
    return case


def _restrict_at_registration(case: Case, *, actor: User) -> None:
    """A case of a category restricted by default is opened restricted; whoever registered
    it goes on its list unless they supervise it (they would lose it otherwise)."""
    case.is_restricted = True
    case.save(update_fields=["is_restricted"])
    reason = _("Registered the case (its category is restricted).")
    timeline.restriction_changed(case, actor=actor, action="restricted_by_category", reason=reason)
    if not supervises_case(actor, case):
        grant = CaseAccessGrant.objects.create(
            case=case, user=actor, kind=GrantKind.NAMED, reason=reason, granted_by=actor
        )
        timeline.access_changed(case, actor=actor, action="granted", grant=grant)


def risk_apply(case: Case, *, actor: User, risk: str, comment: str) -> None:
    if risk == case.risk:
        return
    old = case.risk
    case.risk = risk
    case.save(update_fields=["risk"])
    timeline.risk_changed(case, actor=actor, old=old, comment=comment)
    task_hooks.risk_changed(case, actor=actor)


def case_reopen(*, case: Case, actor: User, comment: str) -> Case:
    """Reopen a closed case: a new episode and a new flow process, back to assessment."""
    require_perm(actor, CasePerm.REOPEN_CASE)
    # On a restricted case's list by a grant alone (outside the ordinary scope): read only.
    if not can_see_case(actor, case) or (case.is_restricted and not in_ordinary_scope(actor, case)):
        raise NotPermitted(_("You do not have permission to do this."))
    require(bool(comment.strip()), _("Say why the case is being reopened."))
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
    require(risk in Risk.values, _("Choose a risk level."))
    require(bool(comment.strip()), _("Say why the risk level changed."))
    if not can_work_on(actor, case):
        raise NotPermitted(_("You do not have permission to do this."))
    locked = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
    require(locked.stage != Stage.CLOSED, _("A closed case's risk level cannot change."))
    risk_apply(locked, actor=actor, risk=risk, comment=comment.strip())
    return locked


# --- rectification: correcting the client's details -----------------------------------------

# The client's details a caseworker corrects, in the form's order.
PERSON_FIELDS = (
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
)


class PersonChangedMeanwhile(Conflict):
    """Someone saved the client's details after this form was opened; `person` is the
    current row."""

    def __init__(self, message, person: Person):
        super().__init__(message)
        self.person = person


def _stored(value):
    """As the timeline keeps it (JSON): dates in ISO."""
    return value.isoformat() if isinstance(value, datetime.date) else value


@transaction.atomic
def person_update(
    *, actor: User, person: Person, case: Case, version: int | None = None, **changes
) -> dict[str, list]:
    """Correct the client's details from one of their cases (rectification, RODO art. 16).

    Changed fields only are written, with search_name and phone_digits recomputed as at
    registration; one timeline row on `case` keeps {field: [old, new]}. Nothing changed:
    nothing written, {} returned. `version` is the one the form was opened on: a newer row
    means someone else saved meanwhile, and the edit is refused (PersonChangedMeanwhile)."""
    if case.person_id != person.pk or not can_work_on(actor, case):
        raise NotPermitted(_("You do not have permission to do this."))
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise CaseError(_("These details cannot be changed here: %s") % ", ".join(sorted(unknown)))
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if locked.anonymised_at is not None:
        # Writing details back would re-identify a person whose data was erased.
        raise Conflict(_("This person's data was anonymised: it can no longer be edited."))
    if version is not None and locked.version != version:
        raise PersonChangedMeanwhile(
            _(
                "Someone else saved this client's details while you were editing them. "
                "Check the current details below and make your change again."
            ),
            locked,
        )
    changes = {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()}
    problem = phone_problem(changes.get("phone", ""))
    if problem:
        raise CaseError(problem)
    require(
        bool(changes.get("given_name", locked.given_name))
        and bool(changes.get("family_name", locked.family_name)),
        _("Given and family names are required."),
    )
    if "date_of_birth" in changes:
        problem = date_of_birth_problem(
            changes["date_of_birth"], timezone.localdate(timezone=case.office.tzinfo)
        )
        if problem:
            raise CaseError(problem)
    diff = {
        name: [_stored(getattr(locked, name)), _stored(value)]
        for name, value in changes.items()
        if getattr(locked, name) != value
    }
    if not diff:
        return {}
    for name in diff:
        setattr(locked, name, changes[name])
    locked.search_name = fold(f"{locked.given_name} {locked.family_name}")
    locked.phone_digits = digits(locked.phone)
    locked.version += 1
    locked.save(update_fields=[*diff, "search_name", "phone_digits", "version"])
    timeline.person_changed(case, actor=actor, changes=diff)
    person.__dict__.update({name: getattr(locked, name) for name in (*diff, "version")})
    return diff
