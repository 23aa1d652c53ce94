"""The account audit trail: one AccountEvent row per sign-in event or account change."""

from typing import Any

from django.http import HttpRequest

from .models import AccountAction, AccountEvent, Office, User


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address as the web server saw it (REMOTE_ADDR; a reverse proxy in front
    must set it, e.g. with its real-IP module, so that one address is not everyone's)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def account_event_record(
    *,
    action: AccountAction | str,
    actor: User | None = None,
    subject: User | None = None,
    username: str = "",
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
    office: Office | None = None,
) -> AccountEvent:
    """Write one audit row. `actor` None is the system or an anonymous visitor; the row keeps
    the subject's office at the time so that the office's list shows it after a move.
    `office` names the office for a row with no subject (an export of the office's list)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    user_agent = ""
    if request is not None:
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:255]
    return AccountEvent.objects.create(
        action=action,
        actor=actor,
        subject=subject,
        username=(username or (subject.username if subject is not None else ""))[:150],
        office_id=office.pk
        if office is not None
        else (subject.home_office_id if subject is not None else None),
        address=client_address(request),
        user_agent=user_agent,
        details=details or {},
    )
