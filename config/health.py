"""The load balancer's checks: /health/live (the process answers) and /health/ready (what a
request needs answers). Served by HealthCheckMiddleware, first in MIDDLEWARE, so no session,
user, CSRF check, second factor, access log or HTTPS redirect is involved; the URLs in
config/urls.py name the same views. The answer names only which check failed."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from workflows.system import probes


@csrf_exempt
@never_cache
def live(request: HttpRequest) -> HttpResponse:
    """The process answers; nothing else is asked (no database)."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@csrf_exempt
@never_cache
def ready(request: HttpRequest) -> HttpResponse:
    """200 {"status": "ok"}, or 503 {"status": "unavailable", "failing": [names]}."""
    results = probes.run_checks(probes.readiness_checks())
    failing = [name for name, latency in results.items() if latency is None]
    if failing:
        return JsonResponse({"status": "unavailable", "failing": failing}, status=503)
    return JsonResponse({"status": "ok"})


HEALTH_VIEWS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/health/live": live,
    "/health/ready": ready,
}


class HealthCheckMiddleware:
    """Answers the two health paths (with or without a trailing slash) before any other
    middleware runs; every other request passes through untouched."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view = HEALTH_VIEWS.get(request.path_info.rstrip("/"))
        if view is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        return view(request)
