"""Where a signed-in session stands with the second factor, kept in the session.

Decided once at sign-in (so a page costs no query for it) and changed only by the two-step
pages. Sessions are stored on the server: a visitor cannot set these keys.
"""

from typing import cast

from django.conf import settings
from django.http import HttpRequest

from ..models import User
from .rules import second_factor_required

SESSION_KEY = "caseflow_second_factor"
FAILURES_KEY = "caseflow_second_factor_failures"
BACKUP_CODES_KEY = "caseflow_second_factor_codes"
# Set by the single sign-on helper: "sso" for a session signed in through the identity provider.
AUTH_METHOD_KEY = "caseflow_auth_method"

DONE = "done"  # verified, or nothing owed (no device and no role that requires one)
VERIFY = "verify"  # has a device: owes a code
ENROL = "enrol"  # must use a second factor and has none yet
PENDING = frozenset({VERIFY, ENROL})


def state_for_user(user: User) -> str:
    from .services import second_factor_device

    if second_factor_device(user) is not None:
        return VERIFY
    if second_factor_required(user):
        return ENROL
    return DONE


def trusted_by_sso(request: HttpRequest) -> bool:
    return settings.TWO_FACTOR_TRUST_SSO and request.session.get(AUTH_METHOD_KEY) == "sso"


def session_state(request: HttpRequest) -> str:
    """DONE, VERIFY or ENROL for the signed-in request's session (decided now if a session
    from before this feature has no state yet)."""
    if trusted_by_sso(request):
        return DONE
    state = request.session.get(SESSION_KEY)
    if state not in (DONE, VERIFY, ENROL):
        state = state_for_user(cast(User, request.user))  # only asked for a signed-in request
        request.session[SESSION_KEY] = state
    return state


def session_start(request: HttpRequest, user: User) -> None:
    """At sign-in: what this session owes."""
    request.session[SESSION_KEY] = state_for_user(user)
    request.session.pop(FAILURES_KEY, None)


def session_verified(request: HttpRequest, device=None) -> None:
    """The second step is done: a new session id (the session gained a right), no failures."""
    import django_otp

    request.session.cycle_key()
    request.session[SESSION_KEY] = DONE
    request.session.pop(FAILURES_KEY, None)
    if device is not None:
        django_otp.login(request, device)


def failure_count_add(request: HttpRequest) -> int:
    count = int(request.session.get(FAILURES_KEY, 0)) + 1
    request.session[FAILURES_KEY] = count
    return count


def backup_codes_keep(request: HttpRequest, codes: list[str]) -> None:
    """Hold new codes for one showing (the page after the POST that made them)."""
    request.session[BACKUP_CODES_KEY] = codes


def backup_codes_take(request: HttpRequest) -> list[str]:
    return request.session.pop(BACKUP_CODES_KEY, None) or []
