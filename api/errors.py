"""One shape for every API error, with a machine-readable `code` and a translated `detail`.

- A rule of the engine refused the request (`WorkflowError` and its kinds: an illegal
  transition, a lost race, ...): its own status (409 for a conflict) and code.
- Bad input: 400 with `errors`, the field errors of the form or serializer.
- Outside the caller's scope: 404, the same answer as for a thing that does not exist.
- A lost race reaching the database (deadlock, lock timeout): 409, never a 500.
- An address under /api/ that no endpoint matches (a typo, an id that is not a number): the
  same JSON 404 (`page_not_found`, the site's handler404), not the site's HTML page.
"""

import re

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from workflows.errors import WorkflowError
from workflows.queue import is_lost_race


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def error_code(exc: BaseException) -> str:
    """`code` when the exception names one, else its class name in snake case
    (`TransferError` -> `transfer_error`, `Conflict` -> `conflict`)."""
    return getattr(exc, "code", None) or _snake(type(exc).__name__)


def error_response(status_code: int, code: str, detail, errors=None) -> Response:
    body = {"code": code, "detail": str(detail)}
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code)


def api_exception_handler(exc, context):
    if isinstance(exc, WorkflowError):
        return error_response(exc.status_code, error_code(exc), exc.message)
    if isinstance(exc, DatabaseError) and is_lost_race(exc):
        return error_response(
            status.HTTP_409_CONFLICT,
            "lost_race",
            _("Someone else changed this at the same moment, so nothing was saved. Try again."),
        )
    if isinstance(exc, Http404 | exceptions.NotFound):
        return error_response(status.HTTP_404_NOT_FOUND, "not_found", _("Not found."))
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        return error_response(
            status.HTTP_400_BAD_REQUEST,
            "invalid",
            _("The request has errors; see the fields."),
            errors=exc.detail,
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = {"code": code, "detail": str(exc.detail)}
    return response


API_PREFIX = "/api/"


def page_not_found(request, exception=None):
    """The site's 404 (config/urls.py, handler404): in the API's error shape for an address
    under /api/, the site's page for any other."""
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"code": "not_found", "detail": str(_("Not found."))}, status=404)
    return defaults.page_not_found(request, exception)
