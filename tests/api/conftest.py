"""API test helpers: a client that sends a django-oauth-toolkit access token."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from api.scopes import FAMILIES

from .world import build_world
from .wsgi import wsgi_app  # noqa: F401  (a fixture: Django's WSGI app on the test's transaction)

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


@pytest.fixture(scope="module")
def world(module_db, django_db_blocker):
    """tests/api/world.py's offices, people and cases, built once for the module."""
    with django_db_blocker.unblock():
        return build_world()


def queries_for(client, url: str) -> int:
    """The queries of one GET of `url`, after a first one warmed the caches."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.json()
    return len(captured.captured_queries)


def walk(client, url: str) -> list[dict]:
    """Every row of a cursor-paged list, following `next` from `url`."""
    rows: list[dict] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        rows.extend(body["results"])
        url = body["next"]
    return rows
