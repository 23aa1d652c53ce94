"""Session lifetime: the idle timeout and the absolute lifetime of a signed-in session.

The session keeps two times (seconds since the epoch): when the person signed in and when they
last did something. The middleware ends the session when either limit has passed, and sends
the person to the sign-in page with a message saying why and a `next` back to where they were.
Last activity is written at most once a minute, so a busy person's requests do not each save
the session; views marked `background_check` (the page's own timer asking how long is left)
never count as activity.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout, user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import ngettext

from .audit import account_event_record
from .models import AccountAction

SIGNED_IN_AT = "caseflow_signed_in_at"
LAST_ACTIVITY_AT = "caseflow_last_activity_at"
# Last activity is saved only when it moved by more than this; the idle limit is therefore
# exact to within this many seconds (in the person's favour: never early).
ACTIVITY_WRITE_AFTER_SECONDS = 60

IDLE = "idle"
AGE = "age"


def idle_limit_seconds() -> int:
    return settings.SESSION_IDLE_MINUTES * 60


def age_limit_seconds() -> int:
    return settings.SESSION_MAX_HOURS * 3600


@dataclass(frozen=True)
class SessionTimes:
    """Seconds left before each limit ends a signed-in session (0 or less: it has ended)."""

    idle_left: int
    age_left: int

    @property
    def ended_by(self) -> str | None:
        if self.age_left <= 0:
            return AGE
        if self.idle_left <= 0:
            return IDLE
        return None


def session_times(session, now: float | None = None) -> SessionTimes:
    now = time.time() if now is None else now
    signed_in = session.get(SIGNED_IN_AT, now)
    activity = session.get(LAST_ACTIVITY_AT, signed_in)
    return SessionTimes(
        idle_left=int(activity + idle_limit_seconds() - now),
        age_left=int(signed_in + age_limit_seconds() - now),
    )


def session_activity_record(session, *, now: float | None = None, force: bool = False) -> None:
    """Note the person's activity; saves the session only when the time moved enough."""
    now = time.time() if now is None else now
    if SIGNED_IN_AT not in session:  # signed in before these limits existed, or by a test
        session[SIGNED_IN_AT] = now
    last = session.get(LAST_ACTIVITY_AT)
    # A clock set back (last in the future) counts as activity now rather than never.
    if force or last is None or not (0 <= now - last < ACTIVITY_WRITE_AFTER_SECONDS):
        session[LAST_ACTIVITY_AT] = now


@receiver(user_logged_in, dispatch_uid="accounts-session-started")
def _session_start(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Every way of signing in (password, single sign-on, a second factor) goes through
    django.contrib.auth.login, which sends this: the lifetime starts at the sign-in."""
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_ACTIVITY_AT] = now


def background_check(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Marks a view whose requests the page makes by itself: they are not activity."""
    view.session_background_check = True  # type: ignore[attr-defined]
    return view


def _sign_out_message(reason: str) -> str:
    if reason == IDLE:
        minutes = settings.SESSION_IDLE_MINUTES
        return ngettext(
            "You were signed out after %(count)d minute without activity. "
            "Sign in again to continue where you were.",
            "You were signed out after %(count)d minutes without activity. "
            "Sign in again to continue where you were.",
            minutes,
        ) % {"count": minutes}
    hours = settings.SESSION_MAX_HOURS
    return ngettext(
        "For your security, a session lasts at most %(count)d hour and yours has ended. "
        "Sign in again to continue where you were.",
        "For your security, a session lasts at most %(count)d hours and yours has ended. "
        "Sign in again to continue where you were.",
        hours,
    ) % {"count": hours}


def session_end(*, request: HttpRequest, reason: str) -> None:
    """Sign the person out because a limit has passed, recording why."""
    user = request.user
    if user.is_authenticated:  # else the session was already dead (deactivated, new password)
        account_event_record(
            action=AccountAction.SESSION_EXPIRED,
            actor=user,
            subject=user,
            request=request,
            details={"reason": reason},
        )
    logout(request)
    # After logout: the message belongs to the new, anonymous session (or its cookie).
    messages.info(request, _sign_out_message(reason), fail_silently=True)


class SessionLifetimeMiddleware:
    """Ends sessions past their idle or absolute limit; records activity once a minute."""

    # URL names that answer a signed-out person themselves instead of being redirected: the
    # sign-in page (shows the message) and the page timer's JSON endpoints.
    PASS_THROUGH = ("login", "session_status", "session_keepalive")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self._pass_through_paths: set[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = self._ended_by(request)
        if reason is not None:
            language = getattr(request.user, "preferred_language", "")
            session_end(request=request, reason=reason)
            if request.path_info not in self._pass_through():
                response = redirect_to_login(request.get_full_path())
                if language:  # the sign-in page in the language the person had chosen
                    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
                return response
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> None:
        if SESSION_KEY in request.session and not getattr(
            view_func, "session_background_check", False
        ):
            session_activity_record(request.session)

    @staticmethod
    def _ended_by(request: HttpRequest) -> str | None:
        session = getattr(request, "session", None)
        if session is None or SESSION_KEY not in session:
            return None
        return session_times(session).ended_by

    def _pass_through(self) -> set[str]:
        if self._pass_through_paths is None:
            self._pass_through_paths = {reverse(name) for name in self.PASS_THROUGH}
        return self._pass_through_paths
