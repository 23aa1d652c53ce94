"""Personal API tokens: made by a person on their account page, for their own scripts.

The token is a django-oauth-toolkit AccessToken with no application: DOT's authentication
accepts it like any bearer token, and its user is the person, so the API gives it exactly
their access scope, narrowed to the scopes chosen. Its value is shown once; DOT keeps only its
SHA-256 checksum (COMPLIANT_BCP_RFC9700_TOKEN_STORAGE), our row keeps a short prefix to
recognise it by. Each creation and revocation is one AccountEvent.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import AccessToken, set_token_value

from accounts.audit import account_event_record
from accounts.models import AccountAction, User

from .models import PersonalToken
from .oauth import token_checksum
from .scopes import scope_choices

# What a token's value starts with: a secret scanner (or a person) recognises it.
TOKEN_PREFIX = "cfp_"
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
LIFETIMES_DAYS = (7, 30, 90)
DEFAULT_LIFETIME_DAYS = 30


class CredentialError(Exception):
    """A refused change to an API credential; `message` is translated and safe to show,
    `field` names the form field it belongs to (or is empty). `status` is the HTTP status
    the page answers with (409 for a change that no longer applies)."""

    def __init__(self, message, field: str = "", status: int = 400):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.status = status


def lifetime_choices() -> list[int]:
    """The lifetimes offered, in days: 7, 30, 90, none beyond API_TOKEN_MAX_DAYS (which is
    offered itself when it is shorter than all of them)."""
    days = [d for d in LIFETIMES_DAYS if d <= settings.API_TOKEN_MAX_DAYS]
    return days or [settings.API_TOKEN_MAX_DAYS]


def default_lifetime() -> int:
    choices = lifetime_choices()
    return DEFAULT_LIFETIME_DAYS if DEFAULT_LIFETIME_DAYS in choices else choices[-1]


def may_hold_personal_token(user) -> bool:
    """Any signed-in, active member of staff (a person with a role, or a superuser)."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role_names))


def clean_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = sorted(set(scopes))
    if not chosen:
        raise CredentialError(_("Choose at least one scope."), field="scopes")
    if set(chosen) - set(scope_choices()):
        raise CredentialError(_("Unknown scope."), field="scopes")
    return chosen


def clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise CredentialError(_("Give it a name, to recognise it by later."), field="name")
    if len(name) > 100:
        raise CredentialError(_("A name has at most 100 characters."), field="name")
    return name


def new_token_value() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def personal_token_create(
    *,
    actor: User,
    name: str,
    scopes: Iterable[str],
    days: int,
    request: HttpRequest | None = None,
) -> tuple[PersonalToken, str]:
    """A new token of the actor; returns its row and its value (shown once, never stored)."""
    if not may_hold_personal_token(actor):
        raise PermissionError(_("Only active members of staff may create API tokens."))
    name = clean_name(name)
    chosen = clean_scopes(scopes)
    if days not in lifetime_choices():
        raise CredentialError(_("Choose one of the lifetimes offered."), field="days")
    raw = new_token_value()
    expires = timezone.now() + timedelta(days=days)
    scope = " ".join(chosen)
    access = AccessToken(user=actor, application=None, scope=scope, expires=expires)
    set_token_value(access, raw)
    access.save()
    token = PersonalToken.objects.create(
        created_by=actor,
        name=name,
        access_token=access,
        prefix=raw[:SHOWN_PREFIX_LENGTH],
        checksum=token_checksum(raw),
        scope=scope,
        expires_at=expires,
    )
    account_event_record(
        action=AccountAction.API_TOKEN_CREATED,
        actor=actor,
        subject=actor,
        request=request,
        details={
            "token": token.pk,
            "name": name,
            "scopes": chosen,
            "expires": expires.date().isoformat(),
        },
    )
    return token, raw


@transaction.atomic
def personal_token_revoke(
    *, token: PersonalToken, actor: User, request: HttpRequest | None = None
) -> PersonalToken:
    """The token stops working at once (its DOT row is deleted); the row stays, revoked."""
    locked = PersonalToken.objects.select_for_update().get(pk=token.pk)
    if locked.created_by_id != actor.pk:
        raise PermissionError(_("This token is not yours."))
    if locked.revoked_at is not None:
        raise CredentialError(_("This token was already revoked."), status=409)
    access_id = locked.access_token_id
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.access_token = None
    locked.save(update_fields=["revoked_at", "revoked_by", "access_token"])
    if access_id is not None:
        AccessToken.objects.filter(pk=access_id).delete()
    account_event_record(
        action=AccountAction.API_TOKEN_REVOKED,
        actor=actor,
        subject=actor,
        request=request,
        details={"token": locked.pk, "name": locked.name},
    )
    return locked


def personal_tokens_of(user: User) -> QuerySet[PersonalToken]:
    """The person's tokens, newest first: active, expired and revoked."""
    return PersonalToken.objects.filter(created_by=user).order_by("-created_at", "-pk")
