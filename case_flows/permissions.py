"""The permissions of case_flows, spelled once, and the rules built from them.

Everything in case_flows asks through `CasePerm` (never a "case_flows.…" string literal) and
through the predicates below (never its own copy of "may work on this case").
"""

from enum import StrEnum
from typing import Protocol

from accounts.models import Role, User
from accounts.scope import can_see


class CasePerm(StrEnum):
    """Full permission names ("app_label.codename"), as `user.has_perm` and viewflow take them.

    The first six are declared in the models' Meta; the others are Django's default model
    permissions that the role map (apps.py) grants.
    """

    # Declared by Case and Referral.
    WORK_CASE = "case_flows.work_case"
    ALLOCATE_CASE = "case_flows.allocate_case"
    APPROVE_CASE = "case_flows.approve_case"
    REOPEN_CASE = "case_flows.reopen_case"
    REVIEW_OVERDUE_CASE = "case_flows.review_overdue_case"
    RESPOND_REFERRAL = "case_flows.respond_referral"
    # Django's default model permissions.
    VIEW_CASE = "case_flows.view_case"
    VIEW_CASEPROCESS = "case_flows.view_caseprocess"
    VIEW_CASEEVENT = "case_flows.view_caseevent"
    ADD_PERSON = "case_flows.add_person"
    VIEW_PERSON = "case_flows.view_person"
    ADD_CATEGORY = "case_flows.add_category"
    CHANGE_CATEGORY = "case_flows.change_category"
    VIEW_CATEGORY = "case_flows.view_category"
    ADD_SERVICEPROVIDER = "case_flows.add_serviceprovider"
    CHANGE_SERVICEPROVIDER = "case_flows.change_serviceprovider"
    VIEW_SERVICEPROVIDER = "case_flows.view_serviceprovider"
    CHANGE_FOLLOWUPSCHEDULEPOLICY = "case_flows.change_followupschedulepolicy"
    VIEW_FOLLOWUPSCHEDULEPOLICY = "case_flows.view_followupschedulepolicy"
    ADD_CASELOADTHRESHOLD = "case_flows.add_caseloadthreshold"
    CHANGE_CASELOADTHRESHOLD = "case_flows.change_caseloadthreshold"
    DELETE_CASELOADTHRESHOLD = "case_flows.delete_caseloadthreshold"
    VIEW_CASELOADTHRESHOLD = "case_flows.view_caseloadthreshold"
    VIEW_EXPORTLOG = "case_flows.view_exportlog"
    # The access log's page (data protection officers).
    VIEW_ACCESSEVENT = "case_flows.view_accessevent"

    @property
    def codename(self) -> str:
        """Without the app label, as a model's Meta.permissions and Permission rows spell it."""
        return self.value.partition(".")[2]


class ScopedCase(Protocol):
    """What the scope rule reads of a case (a Case; a protocol so that the models, whose
    transitions name CasePerm, need not be imported here)."""

    @property
    def office_id(self) -> int | None: ...

    @property
    def team_id(self) -> int | None: ...

    @property
    def owner_id(self) -> int | None: ...


def can_see_case(user: User, case: ScopedCase) -> bool:
    """The case is in the user's access scope (see accounts.scope)."""
    return can_see(user, office_id=case.office_id, team_id=case.team_id, owner_id=case.owner_id)


def may_work_cases(user: User) -> bool:
    """Caseworkers, supervisors and managers: they add records to the cases they see."""
    return user.has_perm(CasePerm.WORK_CASE) or user.has_perm(CasePerm.APPROVE_CASE)


def can_work_on(user: User, case: ScopedCase) -> bool:
    """May change this case (its relatives, risk level, referrals): works cases and sees it."""
    return may_work_cases(user) and can_see_case(user, case)


def may_open_cases(user: User) -> bool:
    """May register new cases: caseworkers and supervisors."""
    return user.has_perm(CasePerm.WORK_CASE) or user.has_perm(CasePerm.ALLOCATE_CASE)


def is_caseworker(user: User) -> bool:
    """Can be given cases and their tasks."""
    return user.is_active and user.has_perm(CasePerm.WORK_CASE)


def has_lead_role(user: User) -> bool:
    """A supervisor or manager by role (the digest's team sections go to them)."""
    return bool({Role.SUPERVISOR, Role.MANAGER} & user.role_names)


def supervises(user: User) -> bool:
    """A supervisor or manager (or a superuser): hands open work to someone else."""
    return has_lead_role(user) or user.is_superuser


def may_produce_subject_access(user: User, case: ScopedCase) -> bool:
    """Supervisors and managers (and superusers) who see the case produce the subject-access
    file on its client: it holds every case of the person, beyond one caseworker's work."""
    return (has_lead_role(user) or user.is_superuser) and can_see_case(user, case)
