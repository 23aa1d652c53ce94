"""Lockout after failed sign-ins: the axes handler with one limit per username and a higher one
per address, the page a locked-out person sees, and unlocking (by a manager or administrator).

django-axes counts failures in AccessAttempt rows, one per (username, address, browser), each
with the time of its latest failure. A username is locked when its rows hold
LOCKOUT_FAILURES failures, an address when its rows hold LOCKOUT_FAILURES_PER_ADDRESS, counting
only rows whose latest failure is within LOCKOUT_MINUTES (all rows when it is 0: the lock then
lasts until someone unlocks it). The AccountEvent rows are written by accounts.signin_audit.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import account_event_record
from .models import AccountAction, AccountEvent, Role, User
from .scope import scope_for


@dataclass(frozen=True)
class Lock:
    """The failures counted against one username or address, and whether they lock it."""

    failures: int
    locked: bool
    # When the lock ends by itself; None while unlocked, or when only an unlock ends it.
    until: datetime | None


NOT_LOCKED = Lock(failures=0, locked=False, until=None)


def _recent_attempts(now: datetime, **lookup):
    attempts = AccessAttempt.objects.filter(**lookup)
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=now - cool_off)
    return attempts


def _failures(now: datetime, **lookup) -> int:
    total = _recent_attempts(now, **lookup).aggregate(total=Sum("failures_since_start"))
    return total["total"] or 0


def _lock(limit: int, now: datetime, **lookup) -> Lock:
    """Newest rows first: the lock holds while the rows down to the one that reaches the limit
    are within the cool-off, so it ends a cool-off after that row's latest failure."""
    rows = _recent_attempts(now, **lookup).order_by("-attempt_time")
    total = 0
    reached_at = None
    for failures, attempt_time in rows.values_list("failures_since_start", "attempt_time"):
        total += failures
        if reached_at is None and total >= limit:
            reached_at = attempt_time
    if reached_at is None:
        return Lock(failures=total, locked=False, until=None)
    cool_off = get_cool_off()
    return Lock(
        failures=total, locked=True, until=reached_at + cool_off if cool_off is not None else None
    )


def username_lock(username: str, *, now: datetime | None = None) -> Lock:
    if not username:
        return NOT_LOCKED
    return _lock(settings.LOCKOUT_FAILURES, now or timezone.now(), username=username)


def address_lock(address: str | None, *, now: datetime | None = None) -> Lock:
    if not address:
        return NOT_LOCKED
    return _lock(settings.LOCKOUT_FAILURES_PER_ADDRESS, now or timezone.now(), ip_address=address)


class CaseflowAxesHandler(AxesDatabaseHandler):
    """Axes' database handler with two limits: LOCKOUT_FAILURES per username (AXES_FAILURE_LIMIT)
    and LOCKOUT_FAILURES_PER_ADDRESS per address, so that one office behind a NAT is not locked
    by a few colleagues' typos while one account is still protected after a handful."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The failures that count against the username limit: the username's own, or the
        limit itself once the address has reached its (higher) limit."""
        now = request.axes_attempt_time or timezone.now()
        username = get_client_username(request, credentials)
        by_username = _failures(now, username=username) if username else 0
        address = request.axes_ip_address
        if address and _failures(now, ip_address=address) >= settings.LOCKOUT_FAILURES_PER_ADDRESS:
            return max(by_username, settings.LOCKOUT_FAILURES)
        return by_username

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """On a successful sign-in, forget that username's failures only. (Axes' own method
        also deletes every attempt from the address, so a colleague signing in at the same
        office would wipe the count of an attack on another account.)"""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _deleted = AccessAttempt.objects.filter(username=username).delete()
        return count


# Key space of the advisory locks taken here (pg_advisory_xact_lock(space, key)), apart from
# any other advisory lock the application may take.
SIGN_IN_LOCK_SPACE = 0x5349  # "SI"


def sign_in_serialise(username: str) -> None:
    """Inside a transaction: wait until any other sign-in to this username has been checked
    and counted. Axes checks the lock before the password and counts the failure after it, so
    guesses sent at the same moment to several server processes would all pass the check (8
    guesses were tried of 20 sent at once to 4 workers); one after another, the lock comes at
    the fifth. PostgreSQL only (SQLite, the embedded default, runs one writer at a time)."""
    if not username or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [SIGN_IN_LOCK_SPACE, username]
        )


# --- what the locked-out person sees ------------------------------------------------------------


def _minutes_left(until: datetime | None, now: datetime) -> int | None:
    if until is None:
        return None
    return max(1, math.ceil((until - now).total_seconds() / 60))


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: our page (translated, in the site's layout) instead of axes' text.

    The same page whatever the username, so it does not tell whether an account exists."""
    now = timezone.now()
    username = get_client_username(request, credentials) or ""
    by_username = username_lock(username, now=now)
    by_address = address_lock(getattr(request, "axes_ip_address", None), now=now)
    locks = [lock for lock in (by_username, by_address) if lock.locked]
    permanent = not locks or any(lock.until is None for lock in locks)
    until = None if permanent else max(lock.until for lock in locks if lock.until)
    context = {
        "locked_by_username": by_username.locked or not by_address.locked,
        "locked_by_address": by_address.locked,
        "minutes_left": _minutes_left(until, now),
        "lockout_minutes": settings.LOCKOUT_MINUTES,
    }
    return render(
        request,
        "registration/locked_out.html",
        context,
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


# --- unlocking ----------------------------------------------------------------------------------


def unlock_role(actor: User) -> bool:
    """Whether the actor holds a role that may unlock anyone at all (their office's staff)."""
    if not actor.is_authenticated or not actor.is_active:
        return False
    return actor.is_superuser or bool({Role.ADMINISTRATOR, Role.MANAGER} & set(actor.role_names))


def unlock_allowed(actor: User, subject: User) -> bool:
    """A manager unlocks the staff of their own office (a national manager and an
    administrator: of every office); nobody else."""
    if not unlock_role(actor):
        return False
    scope = scope_for(actor)
    if actor.is_superuser or scope.all_offices:
        return True
    return subject.home_office_id is not None and subject.home_office_id in scope.office_ids


def _all_failures(username: str) -> int:
    total = AccessAttempt.objects.filter(username=username).aggregate(
        total=Sum("failures_since_start")
    )
    return total["total"] or 0


@transaction.atomic
def account_unlock(
    *, subject: User, actor: User, request: HttpRequest | None = None
) -> AccountEvent:
    """Forget every failed sign-in for the subject's username, so they can sign in at once.

    Attempts from an address against this username stop counting against the address too."""
    if not unlock_allowed(actor, subject):
        raise PermissionDenied(_("You may not unlock this account."))
    lock = username_lock(subject.username)
    cleared = _all_failures(subject.username)
    AccessAttempt.objects.filter(username=subject.username).delete()
    return account_event_record(
        action=AccountAction.UNLOCKED,
        actor=actor,
        subject=subject,
        request=request,
        details={"was_locked": lock.locked, "failures_cleared": cleared},
    )


def is_administrator(actor: User) -> bool:
    return actor.is_authenticated and (actor.is_superuser or actor.has_role(Role.ADMINISTRATOR))


@transaction.atomic
def attempts_unlock(
    *, attempts: Iterable[AccessAttempt], actor: User, request: HttpRequest | None = None
) -> int:
    """Administrators (the admin's read-only list of attempts): forget the chosen rows, which
    unlocks an address as well as usernames. One UNLOCKED event per row; returns the count."""
    if not is_administrator(actor):
        raise PermissionDenied(_("Only an administrator may unlock an address."))
    rows = list(attempts)
    users = {
        user.username: user
        for user in User.objects.filter(username__in=[r.username for r in rows if r.username])
    }
    for row in rows:
        account_event_record(
            action=AccountAction.UNLOCKED,
            actor=actor,
            subject=users.get(row.username or ""),
            username=row.username or "",
            request=request,
            details={"address": row.ip_address, "failures_cleared": row.failures_since_start},
        )
    AccessAttempt.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def username_attempts_clear(*, user: User, request: HttpRequest | None = None) -> int:
    """After the person proved they hold the account (a password reset by e-mail): forget the
    failures against their username and record the unlock when there were any."""
    cleared = _all_failures(user.username)
    if not cleared:
        return 0
    lock = username_lock(user.username)
    AccessAttempt.objects.filter(username=user.username).delete()
    account_event_record(
        action=AccountAction.UNLOCKED,
        actor=user,
        subject=user,
        request=request,
        details={"was_locked": lock.locked, "failures_cleared": cleared, "by": "password_reset"},
    )
    return cleared
