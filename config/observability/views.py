"""GET /metrics: the Prometheus text format, for allowed addresses or the bearer token only;
anyone else gets the site's 404, as for an address that does not exist."""

import hmac
import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from workflows.metrics import OfficeTasksCollector

from .metrics import process_registry

# A request that came through a proxy: its address is the proxy's (often 127.0.0.1), so the
# address rule does not apply to it; only the token does.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


@lru_cache(maxsize=8)
def _networks(allowed: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in allowed)


def address_allowed(request: HttpRequest) -> bool:
    if any(header in request.META for header in PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in net for net in _networks(tuple(settings.METRICS_ALLOWED_IPS)))


def token_allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
    if not token or scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def scrape() -> bytes:
    """Our counters and histograms (every process's in multiprocess mode), then the open and
    overdue tasks per office, read now in one query."""
    offices = CollectorRegistry(auto_describe=False)
    offices.register(OfficeTasksCollector())
    return generate_latest(process_registry()) + generate_latest(offices)


@csrf_exempt  # a refused POST must be the same 404, not a CSRF 403 that says the page exists
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not (address_allowed(request) or token_allowed(request)):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    response = HttpResponse(scrape(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
