"""Recording reads: buffered on the request, written in bulk when the response is ready."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.audit import client_address

from ..models import AccessAction, AccessEvent, Case, Person

_PENDING = "_access_rows"


def access_record(
    request: HttpRequest,
    action: AccessAction | str,
    *,
    case: Case | None = None,
    person: Person | None = None,
    target: str = "",
    query: str = "",
    reason: str = "",
) -> None:
    """Note one read by the request's user; written when the response is ready (see the
    middleware). Nothing is recorded for an anonymous request (it reads nothing).

    An API view passes its REST framework request, a wrapper: the rows go on the Django
    request inside it, the one the middleware flushes."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    request = getattr(request, "_request", request)
    row = AccessEvent(
        at=timezone.now(),
        user_id=user.pk,
        office_id=user.home_office_id,
        action=action,
        case_id=case.pk if case is not None else None,
        person_id=(
            person.pk if person is not None else (case.person_id if case is not None else None)
        ),
        target=target[:120],
        query=query[:255],
        reason=reason,
        ip_address=client_address(request),
    )
    pending = getattr(request, _PENDING, None)
    if pending is None:
        pending = []
        setattr(request, _PENDING, pending)
    pending.append(row)


def access_rows_flush(request: HttpRequest, response: HttpResponse | None = None) -> int:
    """Write the request's pending rows (one INSERT); only for a response that showed them
    (status below 400). Returns how many were written."""
    pending = getattr(request, _PENDING, None)
    if not pending:
        return 0
    setattr(request, _PENDING, [])
    if response is not None and response.status_code >= 400:
        return 0
    AccessEvent.objects.bulk_create(pending)
    return len(pending)


class AccessLogMiddleware:
    """Writes the access rows a view noted, once it has answered (before the response leaves:
    a row is never lost to a crash after the page was sent)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        access_rows_flush(request, response)
        return response
