"""The request id (X-Request-ID in, the same or a new one out) and the request metrics."""

import time

from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse

from .logs import new_request_id, request_id_var, safe_request_id
from .metrics import HTTP_LATENCY, HTTP_REQUESTS

REQUEST_ID_HEADER = "X-Request-ID"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestIdMiddleware:
    """Outermost: every log line of the request carries its id, and so do the Celery tasks it
    enqueues (config.observability.celery). The id stays set until the response is closed,
    so Django's own "Not Found: …" line (written after the middleware) carries it too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = safe_request_id(request.headers.get(REQUEST_ID_HEADER)) or new_request_id()
        request_id_var.set(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def _request_done(**kwargs) -> None:
    request_id_var.set("")


request_finished.connect(_request_done, dispatch_uid="caseflow-request-id-done")


class RequestMetricsMiddleware:
    """Counts each response by view (the URL pattern's name: bounded, never the path) and
    status class, and times it by view."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = settings.STATIC_URL or "/static/"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = self.view_label(request)
        method = request.method if request.method in _METHODS else "other"
        HTTP_REQUESTS.labels(view, method, f"{response.status_code // 100}xx").inc()
        HTTP_LATENCY.labels(view).observe(elapsed)
        return response

    def view_label(self, request: HttpRequest) -> str:
        match = getattr(request, "resolver_match", None)
        if match is not None:
            return match.view_name or "<unnamed>"
        if request.path.startswith(self.static_prefix):
            return "<static>"  # WhiteNoise answered before any URL was resolved
        return "<unmatched>"
