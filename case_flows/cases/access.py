"""Restricted cases: restrict, lift, the access list (add, remove) and break the glass.

Who is on a restricted case's list is one rule (`permissions.on_access_list`, and its query
form `restriction.on_access_list_q`); these services change the list and record every
change on the timeline. An emergency grant tells the owner and the supervisor at once.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from notifications.models import Event
from notifications.outbox import notify
from workflows.errors import Conflict, NotPermitted
from workflows.queue import conflicts_as_errors

from .. import timeline
from ..models import Case, CaseAccessGrant, GrantKind
from ..permissions import (
    CasePerm,
    may_work_cases,
    on_access_list,
    supervises_case,
)
from ..restriction import case_notice
from .services import CaseError, require


def may_manage_access(user: User, case: Case) -> bool:
    """The owner or the team supervisor: restrict, add to and remove from the list."""
    return user.is_active and (case.owner_id == user.pk or supervises_case(user, case))


def may_lift_restriction(user: User, case: Case) -> bool:
    """Only a supervisor (approve_case) on the list lifts a restriction."""
    return (
        case.is_restricted and user.has_perm(CasePerm.APPROVE_CASE) and on_access_list(user, case)
    )


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update(no_key=True).get(pk=case.pk)


def _reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    require(bool(reason), message)
    return reason


def case_restrict(*, case: Case, actor: User, reason: str) -> Case:
    """The owner or supervisor restricts a case: from now on only its list sees it."""
    if not may_manage_access(actor, case):
        raise NotPermitted(_("Only the case's caseworker or supervisor can restrict it."))
    reason = _reason(reason, _("Say why the case is restricted."))
    with conflicts_as_errors(), transaction.atomic():
        locked = _locked(case)
        if locked.is_restricted:
            raise Conflict(_("This case is already restricted."))
        locked.is_restricted = True
        locked.save(update_fields=["is_restricted"])
        timeline.restriction_changed(locked, actor=actor, action="restricted", reason=reason)
    case.is_restricted = True
    return case


def case_restriction_lift(*, case: Case, actor: User, reason: str) -> Case:
    """A supervisor on the list lifts the restriction, with a reason (recorded)."""
    if not may_lift_restriction(actor, case):
        raise NotPermitted(_("Only a supervisor on the case's access list can lift it."))
    reason = _reason(reason, _("Say why the restriction is lifted."))
    with conflicts_as_errors(), transaction.atomic():
        locked = _locked(case)
        if not locked.is_restricted:
            raise Conflict(_("This case is not restricted."))
        locked.is_restricted = False
        locked.save(update_fields=["is_restricted"])
        timeline.restriction_changed(locked, actor=actor, action="lifted", reason=reason)
    case.is_restricted = False
    return case


def may_be_added(user: User, case: Case) -> bool:
    """Staff of the case's own office who work cases (never across offices, never a
    service provider's account)."""
    return (
        user.is_active
        and user.home_office_id == case.office_id
        and may_work_cases(user)
        and Role.PROVIDER not in user.role_names
    )


def case_access_grant(*, case: Case, actor: User, user: User, reason: str) -> CaseAccessGrant:
    """The owner or supervisor adds a colleague of the same office, with a reason."""
    if not may_manage_access(actor, case):
        raise NotPermitted(_("Only the case's caseworker or supervisor can add people."))
    require(case.is_restricted, _("Only a restricted case has an access list."))
    require(
        may_be_added(user, case),
        _("Only active staff of the case's own office can be added."),
    )
    reason = _reason(reason, _("Say why they need access."))
    with conflicts_as_errors(), transaction.atomic():
        locked = _locked(case)
        if on_access_list(user, locked):
            raise Conflict(_("%(who)s is already on the access list.") % {"who": user})
        grant = CaseAccessGrant.objects.create(
            case=locked, user=user, kind=GrantKind.NAMED, reason=reason, granted_by=actor
        )
        timeline.access_changed(locked, actor=actor, action="granted", grant=grant)
    return grant


def case_access_revoke(*, grant: CaseAccessGrant, actor: User) -> CaseAccessGrant:
    """The owner or supervisor takes someone off the list (named or emergency)."""
    if not may_manage_access(actor, grant.case):
        raise NotPermitted(_("Only the case's caseworker or supervisor can remove people."))
    with conflicts_as_errors(), transaction.atomic():
        locked = _locked(grant.case)
        updated = CaseAccessGrant.objects.filter(pk=grant.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor
        )
        if not updated:
            raise Conflict(_("This access was already removed."))
        grant.refresh_from_db()
        timeline.access_changed(locked, actor=actor, action="revoked", grant=grant)
    return grant


@dataclass(frozen=True)
class EmergencyOutcome:
    case: Case | None  # None: no restricted case with that reference in the user's office
    grant: CaseAccessGrant | None = None  # None when they were already on its list


def emergency_access(*, actor: User, reference: str, reason: str) -> EmergencyOutcome:
    """Break the glass: a staff member of the case's own office reads a restricted case
    they are not on the list of, with a mandatory reason, for CASE_EMERGENCY_ACCESS_HOURS.
    The owner and the team supervisor are told at once. Whether a case with that reference
    exists elsewhere is never revealed (the outcome is the same "no such case")."""
    reason = _reason(reason, _("Say why you need emergency access."))
    require(bool((reference or "").strip()), _("Enter the case reference."))
    if not may_work_cases(actor) or Role.PROVIDER in actor.role_names:
        raise NotPermitted(_("Only the office's staff can use emergency access."))
    case = (
        Case.objects.select_related("team")
        .filter(
            reference__iexact=reference.strip(),
            is_restricted=True,
            office_id=actor.home_office_id,
        )
        .first()
    )
    if case is None or actor.home_office_id is None:
        return EmergencyOutcome(case=None)
    if on_access_list(actor, case):
        return EmergencyOutcome(case=case)
    with transaction.atomic():
        hours = settings.CASE_EMERGENCY_ACCESS_HOURS
        grant = CaseAccessGrant.objects.create(
            case=case,
            user=actor,
            kind=GrantKind.EMERGENCY,
            reason=reason,
            granted_by=actor,
            expires_at=timezone.now() + datetime.timedelta(hours=hours),
        )
        timeline.access_changed(case, actor=actor, action="emergency", grant=grant)
        _tell_the_list(case, actor=actor, grant=grant)
    return EmergencyOutcome(case=case, grant=grant)


def _tell_the_list(case: Case, *, actor: User, grant: CaseAccessGrant) -> None:
    recipients = {case.owner_id, case.team.supervisor_id if case.team else None} - {None}
    for user in User.objects.filter(pk__in=recipients, is_active=True):
        notify(
            recipient=user,
            event=Event.EMERGENCY_ACCESS,
            dedupe_key=f"emergency:{grant.pk}:{user.pk}",
            link=reverse("case_detail", args=[case.pk]) + "#access",
            actor=actor,
            **case_notice(case),
        )


# --- reads -------------------------------------------------------------------------------


@dataclass
class AccessList:
    owner: User | None
    supervisors: list[User]
    grants: list[CaseAccessGrant]  # live ones, newest first
    past: list[CaseAccessGrant]  # revoked or expired, newest first


def access_list(case: Case) -> AccessList:
    """Who is on the case's list now, and who was (the panel): two queries."""
    if case.team_id is not None:
        supervisors = [case.team.supervisor] if case.team and case.team.supervisor else []
    else:
        supervisors = list(
            User.objects.filter(
                is_active=True, home_office_id=case.office_id, groups__name=Role.SUPERVISOR
            ).distinct()
        )
    grants = list(
        CaseAccessGrant.objects.filter(case=case)
        .select_related("user", "granted_by", "revoked_by")
        .order_by("-granted_at", "-pk")
    )
    return AccessList(
        owner=case.owner,
        supervisors=supervisors,
        grants=[g for g in grants if g.is_active],
        past=[g for g in grants if not g.is_active],
    )


def grant_of_case(case: Case, grant_id: int) -> CaseAccessGrant:
    grant = (
        CaseAccessGrant.objects.select_related("case", "user")
        .filter(pk=grant_id, case=case)
        .first()
    )
    if grant is None:
        raise CaseError(_("No such entry on this case's access list."))
    return grant
