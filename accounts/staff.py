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
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .audit import account_event_record
from .models import AccountAction, Office, Role, StaffInvitation, Team, User

logger = logging.getLogger(__name__)

# Roles whose holders manage the staff of their office.
MANAGING_ROLES = frozenset({Role.MANAGER, Role.ADMINISTRATOR})
# What each managing role may grant. A manager never makes administrators; an administrator
# (or a superuser) may grant every role.
GRANTABLE_BY_MANAGER = (Role.CASEWORKER, Role.SUPERVISOR, Role.MANAGER, Role.PROVIDER)
GRANTABLE_BY_ADMINISTRATOR = (
    Role.CASEWORKER,
    Role.SUPERVISOR,
    Role.MANAGER,
    Role.ADMINISTRATOR,
    Role.PROVIDER,
)
INVITATION_SALT = "accounts.staff.invitation"
DETAIL_FIELDS = ("first_name", "last_name", "email", "phone", "preferred_language")


class StaffError(Exception):
    """A refused staff change; `message` is translated and safe to show, `field` names the
    form field it belongs to (or is empty)."""

    def __init__(self, message, field: str = ""):
        super().__init__(str(message))
        self.message = message
        self.field = field


class InvitationError(StaffError):
    """A link that cannot be used: `kind` is malformed, expired, used, revoked."""

    def __init__(self, kind: str, message):
        super().__init__(message)
        self.kind = kind


# --- who manages whom ---------------------------------------------------------------------


def manages_every_office(actor: User) -> bool:
    """A superuser or a national administrator chooses any office."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    return actor.is_superuser or (Role.ADMINISTRATOR in actor.role_names and actor.is_national)


def may_manage_staff(actor: User) -> bool:
    """Whether the staff pages are open to this person at all."""
    if manages_every_office(actor):
        return True
    if not actor.is_authenticated or not actor.is_active:
        return False
    return bool(MANAGING_ROLES & actor.role_names) and actor.home_office_id is not None


def staff_offices(actor: User) -> QuerySet[Office]:
    """The offices whose staff this person manages."""
    if manages_every_office(actor):
        return Office.objects.filter(is_active=True)
    if may_manage_staff(actor) and actor.home_office_id is not None:
        return Office.objects.filter(pk=actor.home_office_id)
    return Office.objects.none()


def staff_office_for(actor: User, office_id: int | str | None) -> Office | None:
    """The office the actor asked for (their own when none): None when it is not theirs."""
    offices = staff_offices(actor)
    if office_id in (None, ""):
        office_id = actor.home_office_id
        if office_id is None:
            return offices.order_by("name").first()
    try:
        return offices.filter(pk=int(office_id)).first()
    except (TypeError, ValueError):
        return None


def roles_grantable_by(actor: User) -> tuple[str, ...]:
    if actor.is_superuser or Role.ADMINISTRATOR in actor.role_names:
        return GRANTABLE_BY_ADMINISTRATOR
    if Role.MANAGER in actor.role_names:
        return GRANTABLE_BY_MANAGER
    return ()


def staff_may_view(actor: User, person: User) -> bool:
    """The person works in an office whose staff the actor manages."""
    if person.home_office_id is None or not may_manage_staff(actor):
        return False
    return manages_every_office(actor) or person.home_office_id == actor.home_office_id


def staff_may_manage(actor: User, person: User) -> bool:
    """May change the account: viewable, and every role it holds is one the actor may grant
    (a manager never changes an administrator's account, nor one with access to Django's
    administration); a superuser's only by another."""
    if not staff_may_view(actor, person):
        return False
    if person.is_superuser and not actor.is_superuser:
        return False
    if person.is_staff and not (actor.is_superuser or Role.ADMINISTRATOR in actor.role_names):
        # An account that opens Django's administration: a manager changing its e-mail could
        # take it over through a password reset.
        return False
    return set(person.role_names) <= set(roles_grantable_by(actor))


def _require_manage(actor: User, person: User) -> None:
    if not staff_may_manage(actor, person):
        raise PermissionError(_("You may not change this account."))


def _require_office(actor: User, office: Office) -> None:
    if not staff_offices(actor).filter(pk=office.pk).exists():
        raise PermissionError(_("You may not manage the staff of this office."))


# --- checks shared by invite and update ------------------------------------------------------


def _clean_email(email: str, *, person: User | None = None) -> str:
    email = (email or "").strip()
    if not email:
        raise StaffError(_("Enter the person's e-mail address."), field="email")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise StaffError(_("Enter a valid e-mail address."), field="email") from exc
    others = User.objects.filter(email__iexact=email)
    if person is not None:
        others = others.exclude(pk=person.pk)
    if others.exists():
        raise StaffError(_("Another account already uses this e-mail address."), field="email")
    return email


def _clean_names(first_name: str, last_name: str) -> tuple[str, str]:
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    if not first_name:
        raise StaffError(_("Enter the first name."), field="first_name")
    if not last_name:
        raise StaffError(_("Enter the last name."), field="last_name")
    return first_name[:150], last_name[:150]


def _clean_language(language: str) -> str:
    if language and language not in dict(settings.LANGUAGES):
        raise StaffError(_("Unknown language."), field="preferred_language")
    return language or ""


def _clean_roles(actor: User, roles: Iterable[str]) -> set[str]:
    chosen = set(roles)
    if not chosen:
        raise StaffError(_("Choose at least one role."), field="roles")
    unknown = chosen - set(Role.values)
    if unknown:
        raise StaffError(_("Unknown role."), field="roles")
    refused = chosen - set(roles_grantable_by(actor))
    if refused:
        raise StaffError(
            _("You may not grant the role %(role)s.")
            % {"role": ", ".join(str(Role(r).label) for r in sorted(refused))},
            field="roles",
        )
    return chosen


def _clean_teams(office_id: int, teams: Iterable[Team]) -> list[Team]:
    teams = list(teams)
    if any(team.office_id != office_id for team in teams):
        raise StaffError(_("A team of another office cannot be chosen."), field="teams")
    return teams


def username_from_email(email: str) -> str:
    """The part before @, in lower case ASCII letters, digits and . _ - (ł → l, ś → s ...)."""
    local = email.split("@", 1)[0].lower().replace("ł", "l")
    ascii_text = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_text if c.isalnum() or c in "._-")[:150]


def _clean_username(username: str, email: str) -> str:
    chosen = (username or "").strip() or username_from_email(email)
    if not chosen:
        raise StaffError(_("Choose a username."), field="username")
    try:
        User.username_validator(chosen)
    except ValidationError as exc:
        raise StaffError(
            _("A username may contain only letters, digits and @ . + - _."), field="username"
        ) from exc
    if len(chosen) > 150:
        raise StaffError(_("A username has at most 150 characters."), field="username")
    if User.objects.filter(username__iexact=chosen).exists():
        raise StaffError(
            _("The username %(username)s is taken: choose another one.") % {"username": chosen},
            field="username",
        )
    return chosen


def _role_groups(roles: Iterable[str]) -> list[Group]:
    return list(Group.objects.filter(name__in=list(roles)))


def _current_roles(person: User) -> set[str]:
    return set(
        person.groups.filter(name__in=Role.values).values_list("name", flat=True)
    )  # fresh, not the cached role_names


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
        logger.warning("Invitation %s could not be e-mailed: %r", invitation_id, exc)
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
    _require_office(actor, office)
    first_name, last_name = _clean_names(first_name, last_name)
    email = _clean_email(email)
    username = _clean_username(username, email)
    chosen_roles = _clean_roles(actor, roles)
    chosen_teams = _clean_teams(office.pk, teams)
    language = _clean_language(language)
    try:
        with transaction.atomic():
            person = User(
                username=username,
                email=email,
                first_name=first_name,
                last_name=last_name,
                home_office=office,
                preferred_language=language,
                phone=(phone or "").strip()[:32],
                is_active=False,
            )
            person.set_unusable_password()
            person.save()
            person.groups.set(_role_groups(chosen_roles))
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
    _require_manage(actor, person)
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
    before = _current_roles(person)
    after = _clean_roles(actor, roles)
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
    _require_manage(actor, person)
    first_name, last_name = _clean_names(first_name, last_name)
    values = {
        "first_name": first_name,
        "last_name": last_name,
        "email": _clean_email(email, person=person),
        "phone": (phone or "").strip()[:32],
        "preferred_language": _clean_language(language),
    }
    chosen_teams = _clean_teams(person.home_office_id or 0, teams)
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
            person.groups.remove(*_role_groups(before - after))
            person.groups.add(*_role_groups(after - before))
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
    _require_manage(actor, person)
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
    _require_manage(actor, person)
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
