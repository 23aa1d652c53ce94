"""Reads of the access log for the data protection officer: the officer's scope, the filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from accounts.models import User

from ..models import AccessEvent
from ..permissions import CasePerm
from ..text import fold


def may_read_access_log(user) -> bool:
    return user.is_authenticated and user.has_perm(CasePerm.VIEW_ACCESSEVENT)


def reads_every_office(user: User) -> bool:
    return user.is_superuser or user.is_national


def access_events_for(user: User) -> QuerySet[AccessEvent]:
    """The rows the officer may read: those of readers in their office and those about
    their office's cases; every row for a national officer. Nothing without the permission."""
    if not may_read_access_log(user):
        return AccessEvent.objects.none()
    rows = AccessEvent.objects.all()
    if not reads_every_office(user):
        if user.home_office_id is None:
            return AccessEvent.objects.none()
        rows = rows.filter(
            Q(office_id=user.home_office_id) | Q(case__office_id=user.home_office_id)
        )
    return rows


def staff_for(user: User) -> QuerySet[User]:
    """Whose reads the officer may choose from: their office's staff (everyone's, if national),
    former staff included (their reads stay in the log)."""
    people = User.objects.order_by("last_name", "first_name", "username")
    if reads_every_office(user):
        return people
    return people.filter(home_office_id=user.home_office_id)


@dataclass(frozen=True)
class AccessFilters:
    user: User | None = None
    case_reference: str = ""
    client: str = ""
    action: str = ""
    date_from: datetime | None = None
    date_to: datetime | None = None

    @property
    def any(self) -> bool:
        return any(
            (
                self.user,
                self.case_reference,
                self.client,
                self.action,
                self.date_from,
                self.date_to,
            )
        )


def access_events_filtered(user: User, filters: AccessFilters) -> QuerySet[AccessEvent]:
    """The officer's rows matching the filters, newest first, with who and which case."""
    rows = access_events_for(user)
    if filters.user is not None:
        rows = rows.filter(user=filters.user)
    if filters.case_reference:
        rows = rows.filter(case__reference__iexact=filters.case_reference.strip())
    if filters.client:
        # A merged record's rows keep its id (the log is append-only): its alias is followed,
        # so the kept record's name finds them too.
        name = fold(filters.client)
        rows = rows.filter(
            Q(person__search_name__contains=name)
            | Q(person__merged_into__search_name__contains=name)
        )
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.date_from is not None:
        rows = rows.filter(at__gte=filters.date_from)
    if filters.date_to is not None:
        rows = rows.filter(at__lte=filters.date_to)
    return rows.select_related("user", "case").order_by("-at", "-pk")
