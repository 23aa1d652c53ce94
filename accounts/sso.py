"""Single sign-on with OpenID Connect (mozilla-django-oidc): an account at the office's identity
provider signs in the one active Caseflow user its claim names; it never creates or changes a
user. Configured from the environment (settings block `# --- sso ---`, docs/security.md)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.views import LogoutView
from django.core import checks
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from .audit import account_event_record
from .models import AccountAction, User

logger = logging.getLogger(__name__)

BACKEND_PATH = "accounts.sso.CaseflowOIDCBackend"
# The session key other parts read to know how this session signed in (the second-factor
# middleware trusts "sso": the provider did the authentication).
AUTH_METHOD_SESSION_KEY = "caseflow_auth_method"
AUTH_METHOD_SSO = "sso"
ID_TOKEN_SESSION_KEY = "oidc_id_token"

# Endpoint settings filled from the issuer's discovery document when left empty. The
# end-session endpoint is not: leaving the provider on sign-out is the office's choice.
DISCOVERED_SETTINGS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}

# Why a sign-in was refused (AccountEvent.details["reason"]).
NOT_LINKED_REASONS = frozenset({"claim_missing", "no_match", "several_matches", "inactive"})
REASON_EMAIL_NOT_VERIFIED = "email_not_verified"
REASON_CANCELLED = "cancelled"
REASON_UNREACHABLE = "provider_unreachable"
REASON_REJECTED = "token_rejected"
REASON_FAILED = "failed"

DEFAULT_PROVIDER_NAME = gettext_lazy("SSO")


class SsoUnavailable(Exception):
    """The identity provider could not be reached or described itself wrongly."""


# What a sign-in round trip can raise that means "refused", never a 500: no answer, an error
# answer, a token failing a check (signature, nonce, audience), a malformed answer.
PROVIDER_FAILURES = (
    SsoUnavailable,
    requests.RequestException,
    SuspiciousOperation,
    jwt.PyJWTError,
    ValueError,
    KeyError,
    TypeError,
)


@dataclass
class SsoRefusal:
    reason: str
    claim: str = ""
    value: str = ""
    subject: User | None = None
    details: dict[str, Any] = field(default_factory=dict)


def provider_name() -> str:
    return settings.OIDC_PROVIDER_NAME or str(DEFAULT_PROVIDER_NAME)


# --- settings and discovery --------------------------------------------------------------------


def _discovery_cache_key(issuer: str) -> str:
    return "accounts:sso:discovery:" + hashlib.sha256(issuer.encode()).hexdigest()


def _same_issuer(one: str, other: str) -> bool:
    """Issuers compared without a trailing slash or the https:// scheme (Google's ID tokens may
    say `accounts.google.com` for the issuer `https://accounts.google.com`)."""
    return _bare_issuer(one) == _bare_issuer(other)


def _bare_issuer(issuer: str) -> str:
    return issuer.removeprefix("https://").rstrip("/")


def provider_metadata() -> dict[str, Any]:
    """The issuer's discovery document (/.well-known/openid-configuration), fetched at the first
    sign-in and cached for OIDC_DISCOVERY_CACHE_SECONDS."""
    issuer = settings.OIDC_ISSUER
    key = _discovery_cache_key(issuer)
    metadata = cache.get(key)
    if metadata is not None:
        return metadata
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        metadata = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SsoUnavailable(f"discovery at {url} failed: {exc}") from exc
    if not isinstance(metadata, dict) or not _same_issuer(str(metadata.get("issuer", "")), issuer):
        raise SsoUnavailable(f"discovery at {url} names another issuer")
    cache.set(key, metadata, settings.OIDC_DISCOVERY_CACHE_SECONDS)
    return metadata


def sso_setting(name: str, *default: Any) -> Any:
    """A setting as mozilla-django-oidc asks for it, an empty endpoint taken from discovery.
    Read at request time, so nothing reaches the network until someone signs in with SSO."""
    value = import_from_settings(name, *default)
    if name in DISCOVERED_SETTINGS and not value and settings.OIDC_ISSUER:
        value = provider_metadata().get(DISCOVERED_SETTINGS[name]) or value
    return value


# --- who the claims name -----------------------------------------------------------------------


def _claim_field(claim: str) -> str:
    """The User field a claim is matched against: `email` the e-mail address, any other
    claim (preferred_username, upn, ...) the username; both case-insensitively."""
    return "email" if claim == "email" else "username"


def users_for_claims(claims: dict[str, Any]) -> Any:
    """Every user (active or not) whose mapped field equals the configured claim."""
    claim = settings.OIDC_USERNAME_CLAIM
    value = claims.get(claim)
    if not isinstance(value, str) or not value.strip():
        return User.objects.none()
    return User.objects.filter(**{f"{_claim_field(claim)}__iexact": value.strip()})


def sso_user_match(claims: dict[str, Any]) -> tuple[User | None, SsoRefusal | None]:
    """The one active user the claims name, or why there is none."""
    claim = settings.OIDC_USERNAME_CLAIM
    raw = claims.get(claim)
    value = raw.strip() if isinstance(raw, str) else ""
    if not value:
        return None, SsoRefusal("claim_missing", claim=claim)
    if claim == "email" and claims.get("email_verified") is False:
        return None, SsoRefusal(REASON_EMAIL_NOT_VERIFIED, claim=claim, value=value)
    matches = list(users_for_claims(claims).order_by("-is_active", "pk")[:10])
    active = [user for user in matches if user.is_active]
    if len(active) == 1:
        return active[0], None
    if len(active) > 1:
        refusal = SsoRefusal("several_matches", claim=claim, value=value)
        refusal.details["users"] = [user.username for user in active]
        return None, refusal
    if matches:
        return None, SsoRefusal("inactive", claim=claim, value=value, subject=matches[0])
    return None, SsoRefusal("no_match", claim=claim, value=value)


# --- the authentication backend ----------------------------------------------------------------


def _lazy_setting(name: str, *default: Any) -> property:
    return property(lambda self: self.get_settings(name, *default))


class CaseflowOIDCBackend(OIDCAuthenticationBackend):
    """Signs in an existing active user, never creates or updates one. Answers only the SSO
    callback (never a password form); grants no permissions of its own (ModelBackend does)."""

    get_settings = staticmethod(sso_setting)

    # The library reads these in __init__; Django builds a backend for every authenticate()
    # and every request's get_user(), so they are read only when a sign-in needs them.
    OIDC_OP_TOKEN_ENDPOINT = _lazy_setting("OIDC_OP_TOKEN_ENDPOINT")
    OIDC_OP_USER_ENDPOINT = _lazy_setting("OIDC_OP_USER_ENDPOINT", "")
    OIDC_OP_JWKS_ENDPOINT = _lazy_setting("OIDC_OP_JWKS_ENDPOINT", None)
    OIDC_RP_CLIENT_ID = _lazy_setting("OIDC_RP_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = _lazy_setting("OIDC_RP_CLIENT_SECRET")
    OIDC_RP_SIGN_ALGO = _lazy_setting("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_RP_IDP_SIGN_KEY = _lazy_setting("OIDC_RP_IDP_SIGN_KEY", None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.UserModel = get_user_model()

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        # The callback passes the nonce it kept; a password form never does.
        if request is None or "nonce" not in kwargs or "password" in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except PROVIDER_FAILURES as exc:
            reason = _failure_reason(exc)
            logger.warning("single sign-on refused (%s): %s", reason, exc)
            _refuse(request, SsoRefusal(reason, details={"error": str(exc)[:200]}))
        return None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The library checks the signature, expiry and nonce; the audience and the issuer
        are checked here (a token minted for another client of the same provider is refused)."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("the ID token was issued to another client")
        issuer = settings.OIDC_ISSUER
        if issuer and not _same_issuer(str(payload.get("iss", "")), issuer):
            raise SuspiciousOperation("the ID token was issued by another issuer")
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict) -> dict[str, Any]:
        """The ID token's claims, completed by the userinfo endpoint when there is one (some
        providers put the e-mail only there)."""
        if not self.OIDC_OP_USER_ENDPOINT:
            return dict(payload)
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("the userinfo answer is about another subject")
        return {**payload, **userinfo}

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return users_for_claims(claims)

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict) -> User | None:
        user, refusal = sso_user_match(self.get_userinfo(access_token, id_token, payload))
        if refusal is not None:
            _refuse(self.request, refusal)
        return user

    def create_user(self, claims: dict[str, Any]) -> None:
        raise SuspiciousOperation("single sign-on never creates users")

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        return user

    def store_tokens(self, access_token: str, id_token: str) -> None:
        """Keeps only the ID token, and only when sign-out ends the provider's session too
        (it is the hint the end-session endpoint asks for); never the access token."""
        if settings.OIDC_OP_LOGOUT_ENDPOINT:
            self.request.session[ID_TOKEN_SESSION_KEY] = id_token

    def get_user(self, user_id: Any) -> User | None:
        # ModelBackend's: an inactive user's session ends (the library's would keep it).
        return ModelBackend.get_user(self, user_id)

    # Permissions come from the model backend alone.
    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return False

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return False

    def with_perm(
        self, perm: Any, is_active: bool = True, include_superusers: bool = True, obj: Any = None
    ) -> Any:
        return self.UserModel._default_manager.none()


def _failure_reason(exc: Exception) -> str:
    """Unreachable: no answer, or the provider's own failure (5xx); rejected: it answered no
    (a wrong client secret, an expired code) or its answer failed a check (signature, nonce)."""
    if isinstance(exc, requests.HTTPError):
        status = exc.response.status_code if exc.response is not None else 500
        return REASON_UNREACHABLE if status >= 500 else REASON_REJECTED
    if isinstance(exc, SsoUnavailable | requests.RequestException):
        return REASON_UNREACHABLE
    return REASON_REJECTED


def _refuse(request: HttpRequest, refusal: SsoRefusal) -> None:
    """Keeps the first reason for the callback view, which tells the person and records it."""
    if getattr(request, "caseflow_sso_refusal", None) is None:
        request.caseflow_sso_refusal = refusal  # type: ignore[attr-defined]


# --- messages ----------------------------------------------------------------------------------


def refusal_message(reason: str) -> str:
    name = provider_name()
    if reason in NOT_LINKED_REASONS:
        return _(
            "Your %(provider)s account is not linked to a Caseflow account. "
            "Ask your office's manager to link it."
        ) % {"provider": name}
    if reason == REASON_EMAIL_NOT_VERIFIED:
        return _(
            "%(provider)s has not confirmed the e-mail address of your account, so Caseflow "
            "cannot tell who you are. Confirm it at %(provider)s or ask your office's manager."
        ) % {"provider": name}
    if reason == REASON_CANCELLED:
        return _("Signing in with %(provider)s was cancelled.") % {"provider": name}
    if reason == REASON_UNREACHABLE:
        return _(
            "%(provider)s cannot be reached just now. Try again in a few minutes, "
            "or sign in with your username and password."
        ) % {"provider": name}
    return _(
        "Signing in with %(provider)s did not succeed. Try again, "
        "or sign in with your username and password."
    ) % {"provider": name}


# --- views -------------------------------------------------------------------------------------


class SsoSignInView(OIDCAuthenticationRequestView):
    """GET: sends the browser to the provider's sign-in page (a link, never a cross-origin form
    post, so a CSP `form-action 'self'` does not stand in the way)."""

    get_settings = staticmethod(sso_setting)

    def __init__(self, **kwargs: Any) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)  # endpoints: per request

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except SsoUnavailable as exc:
            logger.warning("single sign-on: the provider could not be reached: %s", exc)
            messages.error(request, refusal_message(REASON_UNREACHABLE))
            return redirect("login")
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        return super().get(request)

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        # The provider's pages in the person's language, where it supports it.
        language = get_language() or settings.LANGUAGE_CODE
        return {"ui_locales": language, **super().get_extra_params(request)}


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here: sign the person in, or back to the sign-in
    page with the reason; either way one AccountEvent."""

    get_settings = staticmethod(sso_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        error = request.GET.get("error")
        if error:
            reason = REASON_CANCELLED if error == "access_denied" else REASON_FAILED
            _refuse(request, SsoRefusal(reason, details={"error": error[:100]}))
        try:
            return super().get(request)
        except SuspiciousOperation as exc:  # a state this session never issued (replay, old tab)
            _refuse(request, SsoRefusal(REASON_REJECTED, details={"error": str(exc)[:200]}))
            return self.login_failure()

    def login_failure(self) -> HttpResponse:
        refusal = getattr(self.request, "caseflow_sso_refusal", None) or SsoRefusal(REASON_FAILED)
        if {"code", "state", "error"} & set(self.request.GET):  # not a bare visit to the URL
            sso_refusal_record(request=self.request, refusal=refusal)
        messages.error(self.request, refusal_message(refusal.reason))
        return redirect("login")

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        self.request.session[AUTH_METHOD_SESSION_KEY] = AUTH_METHOD_SSO
        account_event_record(
            action=AccountAction.SSO_SIGNED_IN,
            actor=self.user,
            subject=self.user,
            request=self.request,
            details={"provider": provider_name(), "claim": settings.OIDC_USERNAME_CLAIM},
        )
        return response


def sso_refusal_record(*, request: HttpRequest, refusal: SsoRefusal) -> None:
    """One SSO_REFUSED row: the reason and the claim's value, never a token."""
    details = {"reason": refusal.reason, "provider": provider_name(), **refusal.details}
    if refusal.claim:
        details["claim"] = refusal.claim
        details["value"] = refusal.value[:254]
    account_event_record(
        action=AccountAction.SSO_REFUSED,
        subject=refusal.subject,
        username=refusal.value,
        request=request,
        details=details,
    )


# --- sign-out ----------------------------------------------------------------------------------


def provider_sign_out_url(request: HttpRequest) -> str | None:
    """Where to send a person who signed in with SSO after their Caseflow session ends: the
    provider's end-session endpoint (OpenID RP-initiated logout) when one is configured."""
    endpoint = settings.OIDC_OP_LOGOUT_ENDPOINT
    session = getattr(request, "session", None)
    if not (settings.OIDC_ENABLED and endpoint and session is not None):
        return None
    if session.get(AUTH_METHOD_SESSION_KEY) != AUTH_METHOD_SSO:
        return None
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    }
    id_token = session.get(ID_TOKEN_SESSION_KEY)
    if id_token:
        params["id_token_hint"] = id_token
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{urlencode(params)}"


class SignOutView(LogoutView):
    """Django's sign-out (POST; the session ends here first), then, for a session that signed
    in with SSO, on to the provider's end-session endpoint when one is configured."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        provider_url = provider_sign_out_url(request)
        response = super().post(request, *args, **kwargs)
        if provider_url is not None:
            return HttpResponseRedirect(provider_url)
        return response


# --- configuration check -----------------------------------------------------------------------


def _missing_settings() -> list[str]:
    client = ("OIDC_RP_CLIENT_ID", "OIDC_RP_CLIENT_SECRET")
    missing = [name for name in client if not getattr(settings, name)]
    if not settings.OIDC_USERNAME_CLAIM:
        missing.append("OIDC_USERNAME_CLAIM")
    if not settings.OIDC_ISSUER:
        needed = ["OIDC_OP_AUTHORIZATION_ENDPOINT", "OIDC_OP_TOKEN_ENDPOINT"]
        if settings.OIDC_RP_SIGN_ALGO.startswith(("RS", "ES", "PS")):
            needed.append("OIDC_OP_JWKS_ENDPOINT")
        missing += [name for name in needed if not getattr(settings, name)]
    return missing


def sso_settings_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """With OIDC_ENABLED, refuse to start without what a sign-in needs."""
    if not settings.OIDC_ENABLED:
        return []
    missing = _missing_settings()
    if not missing:
        return []
    return [
        checks.Error(
            "OIDC_ENABLED is on but these settings are empty: " + ", ".join(missing),
            hint="Set OIDC_ISSUER (endpoints discovered) or the OIDC_OP_*_ENDPOINT settings, "
            "and the client id and secret the provider gave you (docs/security.md).",
            id="accounts.E101",
        )
    ]


def sso_deploy_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Under check --deploy: every provider address must be https."""
    if not settings.OIDC_ENABLED:
        return []
    names = ["OIDC_ISSUER", *DISCOVERED_SETTINGS, "OIDC_OP_LOGOUT_ENDPOINT"]
    plain = [name for name in names if str(getattr(settings, name) or "").startswith("http://")]
    if not plain:
        return []
    return [
        checks.Warning(
            "Single sign-on talks to the provider over plain http: " + ", ".join(plain),
            hint="Use the provider's https:// addresses.",
            id="accounts.W101",
        )
    ]
