"""Reads of accounts for the staff pages: the office's account audit trail, and how each row
is told in the reader's language."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import AccountAction, AccountEvent, Office, Role, User


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    person: User | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def _day_start(day: datetime.date, office: Office) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=office.tzinfo)


def account_events_for_office(office: Office, filters: AuditFilters) -> QuerySet[AccountEvent]:
    """The office's audit rows (the account's office at the time), newest first; dates are
    whole days in the office's time zone."""
    events = AccountEvent.objects.filter(office=office).select_related("actor", "subject")
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.person is not None:
        events = events.filter(subject=filters.person)
    if filters.date_from is not None:
        events = events.filter(at__gte=_day_start(filters.date_from, office))
    if filters.date_to is not None:
        next_day = filters.date_to + datetime.timedelta(days=1)
        events = events.filter(at__lt=_day_start(next_day, office))
    return events.order_by("-at", "-id")


def account_events_of(person: User, limit: int = 20) -> list[AccountEvent]:
    return list(
        AccountEvent.objects.filter(subject=person)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )


# --- what a row says ---------------------------------------------------------------------------

FIELD_LABELS = {
    "first_name": lambda: _("first name"),
    "last_name": lambda: _("last name"),
    "email": lambda: _("e-mail"),
    "phone": lambda: _("phone"),
    "preferred_language": lambda: _("language"),
}


def _role_labels(values) -> str:
    labels = [str(Role(v).label) if v in Role.values else str(v) for v in values or []]
    return ", ".join(labels) or "—"


def _names(values) -> str:
    return ", ".join(str(v) for v in values or []) or "—"


def _handover(details: dict) -> str:
    moved, queued = details.get("moved", 0), details.get("queued", 0)
    if details.get("to"):
        text = _("%(moved)s to %(to)s, %(queued)s back to the queue") % {
            "moved": moved,
            "to": details["to"],
            "queued": queued,
        }
    else:
        text = _("%(queued)s back to the queue") % {"queued": queued}
    if details.get("cases_moved"):
        text += "; " + _("cases passed on: %(count)s") % {"count": details["cases_moved"]}
    return text


def _absence(details: dict) -> str:
    text = _("from %(start)s until %(end)s") % {
        "start": details.get("from", "—"),
        "end": details.get("until", "—"),
    }
    if details.get("deputy"):
        text += "; " + _("deputy: %(who)s") % {"who": details["deputy"]}
    if details.get("ended"):
        text += "; " + _("ended on %(day)s") % {"day": _day(details["ended"])}
    return text


def _day(value) -> str:
    """A day stored as ISO text ("2026-12-31"), in the reader's language ("31 Dec 2026")."""
    try:
        return formats.date_format(datetime.date.fromisoformat(str(value)), "DATE_FORMAT")
    except ValueError:
        return str(value)


def _changes(details: dict) -> str:
    names = [
        str(FIELD_LABELS[name]()) for name in details.get("changed", {}) if name in FIELD_LABELS
    ]
    return _("changed: %(fields)s") % {"fields": ", ".join(names)} if names else ""


def _invited(details: dict) -> str:
    if details.get("resent"):
        return _("invitation sent again to %(email)s") % {"email": details.get("email", "—")}
    return _("%(email)s as %(roles)s") % {
        "email": details.get("email", "—"),
        "roles": _role_labels(details.get("roles")),
    }


def _export(details: dict) -> str:
    return _("%(count)s rows exported") % {"count": details.get("rows", 0)}


def _api_credential(details: dict) -> str:
    text = f"“{details.get('name', '—')}”"
    if details.get("scopes"):
        text += "; " + _("scopes: %(scopes)s") % {"scopes": ", ".join(details["scopes"])}
    if details.get("expires"):
        text += "; " + _("expires %(day)s") % {"day": _day(details["expires"])}
    if details.get("tokens_ended"):
        text += "; " + _("tokens ended: %(count)s") % {"count": details["tokens_ended"]}
    return text


def _service_account(details: dict) -> str:
    return _("for the API client “%(name)s”, as %(roles)s") % {
        "name": details.get("client", "—"),
        "roles": _role_labels(details.get("roles")),
    }


SUMMARIES = {
    AccountAction.ROLES_CHANGED: lambda d: (
        f"{_role_labels(d.get('before'))} → {_role_labels(d.get('after'))}"
    ),
    AccountAction.TEAMS_CHANGED: lambda d: f"{_names(d.get('before'))} → {_names(d.get('after'))}",
    AccountAction.DETAILS_CHANGED: _changes,
    AccountAction.ABSENCE_SET: _absence,
    AccountAction.ABSENCE_CANCELLED: _absence,
    AccountAction.TASKS_HANDED_OVER: _handover,
    AccountAction.INVITED: _invited,
    AccountAction.AUDIT_EXPORTED: _export,
    AccountAction.API_TOKEN_CREATED: _api_credential,
    AccountAction.API_TOKEN_REVOKED: _api_credential,
    AccountAction.SERVICE_ACCOUNT_CREATED: _service_account,
    AccountAction.API_CLIENT_CREATED: _api_credential,
    AccountAction.API_CLIENT_DISABLED: _api_credential,
    AccountAction.API_CLIENT_ENABLED: _api_credential,
    AccountAction.API_CLIENT_SECRET_ROTATED: _api_credential,
    AccountAction.API_CLIENT_DELETED: _api_credential,
}


def event_summary(event: AccountEvent) -> str:
    """A short account of the row's details in the active language ("" when none)."""
    summary = (
        SUMMARIES.get(AccountAction(event.action)) if event.action in AccountAction.values else None
    )
    details = event.details if isinstance(event.details, dict) else {}
    if summary is None or not details:
        return ""
    try:
        return summary(details)
    except (KeyError, TypeError, ValueError):  # a row written by an older version
        return ""


def event_when(event: AccountEvent, office: Office) -> datetime.datetime:
    return timezone.localtime(event.at, office.tzinfo)
