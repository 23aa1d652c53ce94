"""Records failed sign-ins and lockouts in the account audit trail (AccountEvent).

Receivers of Django's `user_login_failed` and axes' `user_locked_out`: recording only; the
counting and locking are axes' (accounts.lockout). Connected in AccountsConfig.ready.
"""

from .audit import account_event_record
from .lockout import address_lock, username_lock
from .models import AccountAction, User


def _account_named(username: str) -> User | None:
    if not username:
        return None
    return User.objects.filter(username=username).select_related("home_office").first()


def _refused_while_locked(request) -> bool:
    """Axes refused this attempt before any password was checked. Its backend flags the
    request as locked out, and such an attempt is not counted (its failure count stays unset),
    whichever of the receivers runs first."""
    return bool(getattr(request, "axes_locked_out", False)) and (
        getattr(request, "axes_failures_since_start", None) is None
    )


def record_failed_sign_in(sender, credentials=None, request=None, **kwargs) -> None:
    """django.contrib.auth.signals.user_login_failed: one SIGN_IN_FAILED row per attempt,
    with the username as typed (the account, when one has it), the time and the address."""
    if "nonce" in (credentials or {}):
        return  # a single sign-on refusal: the SSO callback records it (SSO_REFUSED)
    username = str((credentials or {}).get("username") or "")[:150]
    details = {"refused_while_locked": True} if _refused_while_locked(request) else {}
    account_event_record(
        action=AccountAction.SIGN_IN_FAILED,
        subject=_account_named(username),
        username=username,
        request=request,
        details=details,
    )


def record_lockout(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """axes.signals.user_locked_out: one LOCKED_OUT row when a failure locks a username or an
    address. Axes sends the signal again for each attempt refused during the lock; those are
    already recorded as failures, so only the failure that locked is recorded here."""
    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return
    username = str(username or "")[:150]
    now = getattr(request, "axes_attempt_time", None)
    by_username = username_lock(username, now=now)
    by_address = address_lock(ip_address, now=now)
    locked_by = [
        name for name, lock in (("username", by_username), ("address", by_address)) if lock.locked
    ]
    until = max((lock.until for lock in (by_username, by_address) if lock.until), default=None)
    account_event_record(
        action=AccountAction.LOCKED_OUT,
        subject=_account_named(username),
        username=username,
        request=request,
        details={
            "locked_by": locked_by,
            "username_failures": by_username.failures,
            "address_failures": by_address.failures,
            "until": until.isoformat() if until else None,
        },
    )
