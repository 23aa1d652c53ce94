"""The rate limit: API_RATE_LIMIT requests per credential, not per address (an office behind
one NAT shares an address; a script of one person must not slow the others down).

A personal token is counted on its own; an API client across all its tokens (a client could
otherwise fetch a fresh token to start counting again). Over the limit: 429, `Retry-After`,
code `throttled`. The counters live in the CACHES alias API_THROTTLE_CACHE (Redis in
production, shared by every worker).
"""

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from .oauth import api_client_of


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    @property  # type: ignore[override]
    def cache(self):
        return caches[settings.API_THROTTLE_CACHE]

    def get_rate(self) -> str:
        # Read per request (not DRF's import-time copy), so a changed setting applies.
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view) -> str | None:
        token = request.auth
        if token is None:
            return None  # no credential: refused (401) or an open page (the schema)
        personal = getattr(token, "personal_token", None)
        if personal is not None:
            ident = f"personal-{personal.pk}"
        elif (client := api_client_of(token.application)) is not None:
            ident = f"client-{client.pk}"
        else:
            ident = f"token-{token.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
