"""Who may manage whose account, which roles each may grant, and the checks on what a
manager types (names, e-mail, username, language, roles, teams), as accounts.staff applies them."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .models import Office, Role, Team, User
from .phones import phone_problem

# Roles whose holders manage the staff of their office.
MANAGING_ROLES = frozenset({Role.MANAGER, Role.ADMINISTRATOR})


# What each managing role may grant. A manager never makes administrators nor data protection
# officers (the officer watches how the office, its managers included, reads personal data: a
# manager who could appoint one could read that log, or appoint themselves); an administrator
# (or a superuser) may grant every role.
GRANTABLE_BY_MANAGER = (Role.CASEWORKER, Role.SUPERVISOR, Role.MANAGER, Role.PROVIDER)


GRANTABLE_BY_ADMINISTRATOR = (
    Role.CASEWORKER,
    Role.SUPERVISOR,
    Role.MANAGER,
    Role.ADMINISTRATOR,
    Role.PROVIDER,
    Role.DATA_PROTECTION_OFFICER,
)


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


def manages_every_office(actor: User) -> bool:
    """A superuser or a national administrator chooses any office."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    return actor.is_superuser or (Role.ADMINISTRATOR in actor.role_names and actor.is_national)


def office_page_context(actor: User, office: Office) -> dict:
    """What every page that configures one office shows about the office: the office, the
    list to switch between (for those who configure any office) and the `?office=` query
    its links carry."""
    every = manages_every_office(actor)
    return {
        "office": office,
        "offices": list(Office.objects.filter(is_active=True).order_by("name")) if every else [],
        "office_query": f"?office={office.pk}" if every else "",
    }


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


def require_manage(actor: User, person: User) -> None:
    if not staff_may_manage(actor, person):
        raise PermissionError(_("You may not change this account."))


def require_office(actor: User, office: Office) -> None:
    if not staff_offices(actor).filter(pk=office.pk).exists():
        raise PermissionError(_("You may not manage the staff of this office."))


def clean_email(email: str, *, person: User | None = None) -> str:
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


def clean_names(first_name: str, last_name: str) -> tuple[str, str]:
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    if not first_name:
        raise StaffError(_("Enter the first name."), field="first_name")
    if not last_name:
        raise StaffError(_("Enter the last name."), field="last_name")
    return first_name[:150], last_name[:150]


def clean_language(language: str) -> str:
    if language and language not in dict(settings.LANGUAGES):
        raise StaffError(_("Unknown language."), field="preferred_language")
    return language or ""


def clean_phone(phone: str) -> str:
    problem = phone_problem(phone)
    if problem:
        raise StaffError(problem, field="phone")
    return (phone or "").strip()


def clean_roles(actor: User, roles: Iterable[str]) -> set[str]:
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


def clean_teams(office_id: int, teams: Iterable[Team]) -> list[Team]:
    teams = list(teams)
    if any(team.office_id != office_id for team in teams):
        raise StaffError(_("A team of another office cannot be chosen."), field="teams")
    return teams


def username_from_email(email: str) -> str:
    """The part before @, in lower case ASCII letters, digits and . _ - (ł → l, ś → s ...)."""
    local = email.split("@", 1)[0].lower().replace("ł", "l")
    ascii_text = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_text if c.isalnum() or c in "._-")[:150]


def clean_username(username: str, email: str) -> str:
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


def role_groups(roles: Iterable[str]) -> list[Group]:
    return list(Group.objects.filter(name__in=list(roles)))


def current_roles(person: User) -> set[str]:
    return set(
        person.groups.filter(name__in=Role.values).values_list("name", flat=True)
    )  # fresh, not the cached role_names
