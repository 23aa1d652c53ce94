"""API test helpers: a client that sends a django-oauth-toolkit access token."""

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from api.scopes import FAMILIES

ALL_SCOPES = " ".join(f"{f}:{m}" for f in FAMILIES for m in ("read", "write"))


def token_for(user, scope: str = ALL_SCOPES, *, expires_in: timedelta = timedelta(hours=1)):
    """A bearer token of `user` with `scope` (space-separated)."""
    import secrets

    return AccessToken.objects.create(
        user=user,
        token=secrets.token_urlsafe(32),
        scope=scope,
        expires=timezone.now() + expires_in,
    )


def client_for(user, scope: str = ALL_SCOPES, **kwargs) -> APIClient:
    client = APIClient()
    token = token_for(user, scope, **kwargs)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
    return client


@pytest.fixture
def api_client_for():
    """`api_client_for(user, "cases:read tasks:write")` -> an APIClient with that token."""
    return client_for
