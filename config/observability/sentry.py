"""Optional error reporting to Sentry or a Sentry-compatible service (GlitchTip, …), on only
when SENTRY_DSN is set. sentry-sdk is not a dependency: `pip install sentry-sdk` where it is
wanted. Nothing personal is sent: no default PII, no request bodies, cookies or headers that
carry credentials, no local variables of stack frames, no SQL breadcrumbs."""

from typing import Any

from django.core.exceptions import ImproperlyConfigured

# Request headers that may go with an event; every other one is dropped.
KEPT_HEADERS = frozenset({"accept", "accept-language", "content-type", "user-agent", "host"})


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """before_send: the request's method and path stay; its body, cookies, query string and
    credentials go (a search's query string may hold a client's name)."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            request.pop(key, None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {k: v for k, v in headers.items() if k.lower() in KEPT_HEADERS}
    event.pop("user", None)
    breadcrumbs = event.get("breadcrumbs")
    if isinstance(breadcrumbs, dict) and isinstance(breadcrumbs.get("values"), list):
        breadcrumbs["values"] = [
            crumb for crumb in breadcrumbs["values"] if crumb.get("category") != "query"
        ]
    return event


def sentry_init(*, dsn: str, environment: str, release: str) -> bool:
    """Start reporting when a DSN is given; returns whether it started."""
    if not dsn:
        return False
    try:
        import sentry_sdk
        from sentry_sdk.integrations.celery import CeleryIntegration
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError as exc:
        raise ImproperlyConfigured(
            "SENTRY_DSN is set but sentry-sdk is not installed: pip install sentry-sdk"
        ) from exc
    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,  # a frame's Person would be sent with its names
        max_request_body_size="never",
        traces_sample_rate=0.0,
        before_send=scrub_event,  # type: ignore[arg-type]
    )
    return True
