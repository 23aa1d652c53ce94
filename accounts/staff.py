"""Staff management by the office: who may manage whose account; invitations; names, e-mail,
phone, language, roles and teams; deactivation and reactivation. Every change writes one
AccountEvent (accounts.audit) with who, whom, what and from where.

Open tasks and absences are workflow matters (workflows.handover, workflows.approvals); the
pages that compose them with these services live in case_flows/staff/.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .audit import account_event_record
from .models import AccountAction, Office, StaffInvitation, Team, User
from .staff_rules import (
    InvitationError,
    StaffError,
    clean_email,
    clean_language,
    clean_names,
    clean_phone,
    clean_roles,
    clean_teams,
    clean_username,
    current_roles,
    require_manage,
    require_office,
    role_groups,
)

logger = logging.getLogger(__name__)

INVITATION_SALT = "accounts.staff.invitation"
DETAIL_FIELDS = ("first_name", "last_name", "email", "phone", "preferred_language")


# --- who manages whom ---------------------------------------------------------------------


# --- checks shared by invite and update ------------------------------------------------------


# --- invitations ---------------------------------------------------------------------------


def _invitation_new(person: User, actor: User) -> StaffInvitation:
    return StaffInvitation.objects.create(
        user=person, invited_by=actor, nonce=secrets.token_hex(16), created_at=timezone.now()
    )


def invitation_token(invitation: StaffInvitation) -> str:
    """The link's token: signed (SECRET_KEY), timestamped (expiry), naming one invitation."""
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=INVITATION_SALT)


def invitation_url(invitation: StaffInvitation) -> str:
    path = reverse("staff_invitation_accept", args=[invitation_token(invitation)])
    return settings.SITE_URL.rstrip("/") + path


def invitation_from_token(token: str) -> StaffInvitation:
    """The open invitation a link names, or InvitationError saying what is wrong with it."""
    max_age = timedelta(days=settings.STAFF_INVITATION_DAYS)
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise InvitationError("expired", _("This invitation has expired.")) from exc
    except signing.BadSignature as exc:
        raise InvitationError("malformed", _("This invitation link is not valid.")) from exc
    invitation = None
    if isinstance(data, dict):
        invitation = (
            StaffInvitation.objects.select_related("user", "user__home_office")
            .filter(pk=data.get("i") or 0, nonce=str(data.get("n", "")))
            .first()
        )
    if invitation is None:
        raise InvitationError("malformed", _("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise InvitationError("used", _("This invitation was already used."))
    if invitation.revoked_at is not None:
        raise InvitationError("revoked", _("This invitation was withdrawn."))
    if invitation.is_expired:
        raise InvitationError("expired", _("This invitation has expired."))
    return invitation


def _invitation_language(person: User) -> str:
    office = person.home_office
    return person.preferred_language or (office.default_language if office else "") or "en"


def invitation_email_send(invitation_id: int) -> bool:
    """Send the invitation e-mail (after commit, Django's mail backend: the development
    mailbox, SMTP in production). The outcome is kept on the row for the person page."""
    invitation = (
        StaffInvitation.objects.select_related("user__home_office", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not invitation.is_open:
        return False
    person = invitation.user
    language = _invitation_language(person)
    office = person.home_office
    with translation.override(language), timezone.override(office.tzinfo if office else None):
        subject = _("[Caseflow] You are invited to join %(office)s") % {"office": office}
        body = render_to_string(
            "accounts/email/staff_invitation.txt",
            {
                "person": person,
                "office": office,
                "invited_by": invitation.invited_by,
                "url": invitation_url(invitation),
                "expires_at": invitation.expires_at,
            },
        )
    message = EmailMessage(subject, body, to=[person.email], headers={"Content-Language": language})
    try:
        message.send()
    except (OSError, smtplib.SMTPException) as exc:
        # The type only: an SMTP refusal names the address (kept on the row for the page).
        logger.warning("Invitation %s could not be e-mailed: %s", invitation_id, type(exc).__name__)
        StaffInvitation.objects.filter(pk=invitation_id).update(email_error=str(exc)[:300])
        return False
    StaffInvitation.objects.filter(pk=invitation_id).update(
        emailed_at=timezone.now(), email_error=""
    )
    return True


def _send_after_commit(invitation: StaffInvitation) -> None:
    transaction.on_commit(partial(invitation_email_send, invitation.pk), robust=True)


def staff_invite(
    *,
    actor: User,
    office: Office,
    email: str,
    first_name: str,
    last_name: str,
    roles: Iterable[str],
    teams: Iterable[Team] = (),
    username: str = "",
    language: str = "",
    phone: str = "",
    request: HttpRequest | None = None,
) -> StaffInvitation:
    """Create the person's account (inactive, no usable password) and e-mail them a one-time
    link that expires after STAFF_INVITATION_DAYS: they set their own password."""
    require_office(actor, office)
    first_name, last_name = clean_names(first_name, last_name)
    email = clean_email(email)
    username = clean_username(username, email)
    chosen_roles = clean_roles(actor, roles)
    chosen_teams = clean_teams(office.pk, teams)
    language = clean_language(language)
    phone = clean_phone(phone)
    try:
        with transaction.atomic():
            person = User(
                username=username,
                email=email,
                first_name=first_name,
                last_name=last_name,
                home_office=office,
                preferred_language=language,
                phone=phone,
                is_active=False,
            )
            person.set_unusable_password()
            person.save()
            person.groups.set(role_groups(chosen_roles))
            person.teams.set(chosen_teams)
            invitation = _invitation_new(person, actor)
            account_event_record(
                action=AccountAction.INVITED,
                actor=actor,
                subject=person,
                request=request,
                details={
                    "email": email,
                    "roles": sorted(chosen_roles),
                    "teams": [team.name for team in chosen_teams],
                },
            )
            _send_after_commit(invitation)
    except IntegrityError as exc:  # the same username chosen at the same moment elsewhere
        raise StaffError(
            _("The username %(username)s is taken: choose another one.") % {"username": username},
            field="username",
        ) from exc
    return invitation


def has_joined(person: User) -> bool:
    """Has set a password of their own (through an invitation or otherwise)."""
    if person.has_usable_password():
        return True
    return person.invitations.filter(accepted_at__isnull=False).exists()


@transaction.atomic
def staff_invitation_resend(
    *, actor: User, person: User, request: HttpRequest | None = None
) -> StaffInvitation:
    """A new link for someone who has not joined yet; the previous link stops working."""
    require_manage(actor, person)
    person = User.objects.select_for_update().get(pk=person.pk)
    if has_joined(person):
        raise StaffError(
            _("%(who)s has already set a password: an invitation is not needed.") % {"who": person}
        )
    if not person.email:
        raise StaffError(_("Enter the person's e-mail address first."), field="email")
    StaffInvitation.objects.filter(
        user=person, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    invitation = _invitation_new(person, actor)
    account_event_record(
        action=AccountAction.INVITED,
        actor=actor,
        subject=person,
        request=request,
        details={"email": person.email, "resent": True},
    )
    _send_after_commit(invitation)
    return invitation


def staff_invitation_accept(
    *, token: str, password: str, request: HttpRequest | None = None
) -> User:
    """The invitee sets their password (the password validators apply): the account becomes
    active and the link is used up. Raises InvitationError or ValidationError; nothing
    changes then."""
    with transaction.atomic():
        invitation = invitation_from_token(token)
        locked = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        if not locked.is_open:  # accepted or withdrawn by a request that got here first
            raise InvitationError("used", _("This invitation was already used."))
        person = User.objects.select_for_update().get(pk=locked.user_id)
        validate_password(password, person)
        person.set_password(password)
        person.is_active = True
        person.save(update_fields=["password", "is_active"])
        locked.accepted_at = timezone.now()
        locked.save(update_fields=["accepted_at"])
        account_event_record(
            action=AccountAction.INVITATION_ACCEPTED, actor=person, subject=person, request=request
        )
    return person


# --- details, roles, teams -------------------------------------------------------------------


def _details_changes(person: User, values: dict[str, str]) -> dict[str, list[str]]:
    return {
        name: [getattr(person, name), value]
        for name, value in values.items()
        if getattr(person, name) != value
    }


def _roles_change(actor: User, person: User, roles: Iterable[str]) -> tuple[set, set] | None:
    before = current_roles(person)
    after = clean_roles(actor, roles)
    if before == after:
        return None
    if actor.pk == person.pk:
        raise StaffError(_("You cannot change your own roles."), field="roles")
    return before, after


def staff_update(
    *,
    actor: User,
    person: User,
    first_name: str,
    last_name: str,
    email: str,
    phone: str = "",
    language: str = "",
    roles: Iterable[str],
    teams: Iterable[Team],
    request: HttpRequest | None = None,
) -> list[str]:
    """Change names, e-mail, phone, language, roles and teams. One audit row per kind of
    change (details, roles, teams); returns the kinds changed."""
    require_manage(actor, person)
    first_name, last_name = clean_names(first_name, last_name)
    values = {
        "first_name": first_name,
        "last_name": last_name,
        "email": clean_email(email, person=person),
        "phone": clean_phone(phone),
        "preferred_language": clean_language(language),
    }
    chosen_teams = clean_teams(person.home_office_id or 0, teams)
    changed: list[str] = []
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        roles_change = _roles_change(actor, person, roles)
        details = _details_changes(person, values)
        if details:
            for name, (_old, new) in details.items():
                setattr(person, name, new)
            person.save(update_fields=list(details))
            _record(AccountAction.DETAILS_CHANGED, actor, person, request, {"changed": details})
            changed.append("details")
        if roles_change is not None:
            before, after = roles_change
            person.groups.remove(*role_groups(before - after))
            person.groups.add(*role_groups(after - before))
            _record(
                AccountAction.ROLES_CHANGED,
                actor,
                person,
                request,
                {"before": sorted(before), "after": sorted(after)},
            )
            changed.append("roles")
        if _teams_set(person, chosen_teams, actor=actor, request=request):
            changed.append("teams")
    person.__dict__.pop("role_names", None)
    return changed


def _teams_set(person: User, teams: Sequence[Team], *, actor: User, request) -> bool:
    office_teams = person.teams.filter(office_id=person.home_office_id or 0)
    before = {team.pk: team.name for team in office_teams}
    after = {team.pk: team.name for team in teams}
    if set(before) == set(after):
        return False
    person.teams.remove(*[pk for pk in before if pk not in after])
    person.teams.add(*[pk for pk in after if pk not in before])
    _record(
        AccountAction.TEAMS_CHANGED,
        actor,
        person,
        request,
        {"before": sorted(before.values()), "after": sorted(after.values())},
    )
    return True


def _record(action, actor: User, person: User, request, details: dict) -> None:
    account_event_record(
        action=action, actor=actor, subject=person, request=request, details=details
    )


# --- deactivation and reactivation -------------------------------------------------------------


@transaction.atomic
def staff_deactivate(*, actor: User, person: User, request: HttpRequest | None = None) -> User:
    """The account can no longer sign in; its sessions stop working at their next request
    (Django's authentication refuses an inactive user); an open invitation is withdrawn.
    Open tasks are handed over by the caller first (workflows.handover)."""
    require_manage(actor, person)
    if person.pk == actor.pk:
        raise StaffError(_("You cannot deactivate your own account."))
    person = User.objects.select_for_update().get(pk=person.pk)
    open_invitations = StaffInvitation.objects.filter(
        user=person, accepted_at__isnull=True, revoked_at__isnull=True
    )
    if not person.is_active and not open_invitations.exists():
        raise StaffError(_("%(who)s is already deactivated.") % {"who": person})
    withdrawn = open_invitations.update(revoked_at=timezone.now())
    person.is_active = False
    person.save(update_fields=["is_active"])
    _record(
        AccountAction.DEACTIVATED,
        actor,
        person,
        request,
        {"invitation_withdrawn": True} if withdrawn else {},
    )
    return person


@transaction.atomic
def staff_reactivate(*, actor: User, person: User, request: HttpRequest | None = None) -> User:
    """The account may sign in again with its password. Someone who never joined is sent a
    new invitation instead."""
    require_manage(actor, person)
    person = User.objects.select_for_update().get(pk=person.pk)
    if person.is_active:
        raise StaffError(_("%(who)s is already active.") % {"who": person})
    if person.invitations.exists() and not has_joined(person):
        raise StaffError(
            _("%(who)s never set a password: send them a new invitation instead.") % {"who": person}
        )
    person.is_active = True
    person.save(update_fields=["is_active"])
    _record(AccountAction.REACTIVATED, actor, person, request, {})
    return person


def staff_status(person: User, *, open_invitation: StaffInvitation | None = None) -> str:
    """active, invited, invitation_expired or deactivated."""
    if person.is_active:
        return "active"
    if open_invitation is not None:
        return "invitation_expired" if open_invitation.is_expired else "invited"
    return "deactivated"


def open_invitation_of(person: User) -> StaffInvitation | None:
    return (
        StaffInvitation.objects.filter(
            Q(user=person), accepted_at__isnull=True, revoked_at__isnull=True
        )
        .order_by("-created_at")
        .first()
    )
