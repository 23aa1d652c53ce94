"""The permissions of case_flows, spelled once, and the rules built from them.

Everything in case_flows asks through `CasePerm` (never a "case_flows.…" string literal) and
through the predicates below (never its own copy of "may work on this case").
"""

from enum import StrEnum
from typing import Any, Protocol

from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, Team, User
from accounts.scope import can_see, supervised_office_ids
from accounts.staff_rules import manages_every_office


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
    # Configured forms and lookups (administrators).
    CHANGE_FORMDEFINITION = "case_flows.change_formdefinition"
    VIEW_FORMDEFINITION = "case_flows.view_formdefinition"
    # Case types: the need domains and which apply to each (administrators).
    VIEW_NEEDDOMAIN = "case_flows.view_needdomain"
    ADD_NEEDDOMAIN = "case_flows.add_needdomain"
    CHANGE_NEEDDOMAIN = "case_flows.change_needdomain"
    # Generated documents: the templates and the letterhead (administrators).
    VIEW_DOCUMENTTEMPLATE = "case_flows.view_documenttemplate"
    ADD_DOCUMENTTEMPLATE = "case_flows.add_documenttemplate"
    CHANGE_DOCUMENTTEMPLATE = "case_flows.change_documenttemplate"
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
    """The case is in the user's access scope (see accounts.scope); a restricted case only
    to the people on its access list (`on_access_list`), whatever their scope."""
    if getattr(case, "is_restricted", False):
        return on_access_list(user, case)
    return can_see(user, office_id=case.office_id, team_id=case.team_id, owner_id=case.owner_id)


def supervised_team_ids(user: User) -> frozenset[int]:
    """The teams this user supervises (one query, cached on the user for the request)."""
    cached = getattr(user, "_supervised_team_ids", None)
    if cached is None:
        cached = frozenset(
            Team.objects.filter(supervisor_id=user.pk).values_list("pk", flat=True)
            if user.is_authenticated and user.is_active
            else ()
        )
        user._supervised_team_ids = cached  # type: ignore[attr-defined]  # per-request cache
    return cached


def deputising_q(user: User) -> Q:
    """Teams (lookups on Team) whose supervisor is away today with this user as deputy: the
    deputy takes their approvals (workflows.approvals), so their restricted cases too."""
    today = timezone.localdate()
    return Q(
        supervisor__absences__deputy_id=user.pk,
        supervisor__absences__starts_on__lte=today,
        supervisor__absences__ends_on__gte=today,
    )


def deputised_team_ids(user: User) -> frozenset[int]:
    """The teams this user deputises for today (one query, cached on the user)."""
    cached = getattr(user, "_deputised_team_ids", None)
    if cached is None:
        cached = frozenset(
            Team.objects.filter(deputising_q(user)).values_list("pk", flat=True)
            if user.is_authenticated and user.is_active
            else ()
        )
        user._deputised_team_ids = cached  # type: ignore[attr-defined]  # per-request cache
    return cached


def live_grant_q(*, now=None) -> Q:
    """A grant that counts: not revoked, not expired (lookups on CaseAccessGrant)."""
    now = now or timezone.now()
    return Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def supervises_case(user: User, case: Any) -> bool:
    """The supervisor of the case's team (no team yet: a supervisor of its office). Reads
    the team loaded with the case when it is (the case page), else one cached query."""
    if case.team_id is not None:
        team_field = getattr(type(case), "team", None)
        if team_field is not None and team_field.is_cached(case):
            return case.team is not None and case.team.supervisor_id == user.pk
        return case.team_id in supervised_team_ids(user)
    return case.office_id in supervised_office_ids(user)


def on_access_list(user: User, case: Any) -> bool:
    """THE RULE for a restricted case, for one case in memory; its query form is
    `case_flows.restriction.on_access_list_q` and the two must say the same:

    - its owner (the allocated caseworker);
    - the supervisor of its team (before allocation, with no team yet: the supervisors of
      its office, who allocate it), and their deputy while they are away;
    - whoever holds a live grant (named, or emergency not yet expired).

    Nobody else: not managers, not administrators, whatever their scope. One query at most
    (the grant), none for the owner or the supervisor."""
    if not user.is_authenticated or not user.is_active:
        return False
    if case.owner_id is not None and case.owner_id == user.pk:
        return True
    if supervises_case(user, case):
        return True
    if case.team_id is not None and case.team_id in deputised_team_ids(user):
        return True
    if case.pk is None:
        return False
    return user.case_access_grants.filter(live_grant_q(), case_id=case.pk).exists()


def may_work_cases(user: User) -> bool:
    """Caseworkers, supervisors and managers: they add records to the cases they see."""
    return user.has_perm(CasePerm.WORK_CASE) or user.has_perm(CasePerm.APPROVE_CASE)


def in_ordinary_scope(user: User, case: ScopedCase) -> bool:
    """The access scope alone, as if the case were not restricted."""
    return can_see(user, office_id=case.office_id, team_id=case.team_id, owner_id=case.owner_id)


def can_work_on(user: User, case: ScopedCase) -> bool:
    """May change this case (its relatives, risk level, referrals): works cases and sees it.
    A grant on a restricted case lets its holder read it; changing it takes the ordinary
    scope as well (an added colleague of another team reads, does not write)."""
    if not (may_work_cases(user) and can_see_case(user, case)):
        return False
    return not getattr(case, "is_restricted", False) or in_ordinary_scope(user, case)


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


# A case type's approval rules are workflows' rows: workflows' role map grants this to
# administrators (not a CasePerm: those are case_flows' own).
CHANGE_APPROVALRULE = "workflows.change_approvalrule"


def may_configure_case_types(user: User) -> bool:
    """The Case types pages: an administrator of an office (or one who chooses any office:
    a superuser, a national administrator)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if not (user.has_perm(CasePerm.CHANGE_NEEDDOMAIN) and user.has_perm(CHANGE_APPROVALRULE)):
        return False
    return user.home_office_id is not None or manages_every_office(user)


def may_edit_document_templates(user: User) -> bool:
    """The document templates and letterhead pages: an administrator of an office (or one
    who chooses any office: a superuser, a national administrator)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if not user.has_perm(CasePerm.CHANGE_DOCUMENTTEMPLATE):
        return False
    return user.home_office_id is not None or manages_every_office(user)


def may_change_need_domain(user: User, jurisdiction: str) -> bool:
    """A need domain of every country only by those who manage every office; one of a
    country by the administrators of that country's offices too."""
    if not may_configure_case_types(user):
        return False
    if manages_every_office(user):
        return True
    home = user.home_office
    return bool(jurisdiction) and home is not None and home.jurisdiction == jurisdiction
