"""Who may call the API, and what a refused caller is told (api/authentication.py, scopes.py)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from accounts.staff import staff_deactivate
from api.clients import api_client_disable
from api.models import ApiClient
from api.oauth import token_checksum
from api.tokens import personal_token_revoke
from tests.api.credentials import api_client, bearer, office_admin, personal_token, token_request

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls_for_tests")]

PROBE = "/api/v1/probe/cases/"


def _refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert body["detail"]
    return body


def test_a_personal_token_calls_as_its_owner(caseworker):
    token, value = personal_token(caseworker, ["cases:read"])
    response = bearer(value).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == caseworker.username
    assert response.json()["scopes"] == ["cases:read"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_only_the_checksum_of_a_token_is_stored(caseworker):
    token, value = personal_token(caseworker)
    access = AccessToken.objects.get(pk=token.access_token_id)
    assert access.token == ""  # RFC 9700 storage: nothing usable in a database dump
    assert access.token_checksum == token_checksum(value) == token.checksum
    assert value.startswith(token.prefix) and len(token.prefix) < len(value)


def test_an_expired_token_is_401_token_expired(caseworker):
    _token, value = personal_token(caseworker, days=7)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = bearer(value).get("/api/v1/me/")
    _refused(response, 401, "token_expired")
    assert response["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'


def test_an_expired_token_swept_by_cleartokens_is_still_told_expired(caseworker):
    token, value = personal_token(caseworker, days=7)
    AccessToken.objects.filter(pk=token.access_token_id).delete()  # as DOT's cleartokens does
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        _refused(bearer(value).get("/api/v1/me/"), 401, "token_expired")


def test_a_revoked_token_is_401_token_revoked(caseworker):
    token, value = personal_token(caseworker)
    assert bearer(value).get("/api/v1/me/").status_code == 200
    personal_token_revoke(token=token, actor=caseworker)
    _refused(bearer(value).get("/api/v1/me/"), 401, "token_revoked")


def test_an_unknown_token_is_401_invalid_token(db):
    _refused(bearer("cfp_not-a-token").get("/api/v1/me/"), 401, "invalid_token")


def test_no_token_is_401_not_authenticated_with_a_bearer_challenge(db):
    response = APIClient().get("/api/v1/me/")
    _refused(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_deactivated_persons_token_is_401(caseworker, manager):
    _token, value = personal_token(caseworker)
    staff_deactivate(actor=manager, person=caseworker)
    _refused(bearer(value).get("/api/v1/me/"), 401, "account_inactive")


def test_a_signed_in_session_is_not_an_api_credential(client, caseworker):
    client.force_login(caseworker)
    assert client.get("/").status_code in (200, 302)  # the session works on the pages
    _refused(client.get("/api/v1/me/"), 401, "not_authenticated")
    _refused(client.get(PROBE), 401, "not_authenticated")


def test_a_token_in_the_query_string_is_refused(caseworker):
    _token, value = personal_token(caseworker)
    _refused(APIClient().get(f"/api/v1/me/?access_token={value}"), 401, "not_authenticated")


def test_a_missing_scope_is_403_insufficient_scope_naming_it(caseworker):
    _token, value = personal_token(caseworker, ["cases:read"])
    caller = bearer(value)
    assert caller.get(PROBE).status_code == 200
    body = _refused(caller.post(PROBE, {}, format="json"), 403, "insufficient_scope")
    assert "cases:write" in body["detail"]
    _token, value = personal_token(caseworker, ["tasks:read", "cases:write"], name="Other")
    body = _refused(bearer(value).get(PROBE), 403, "insufficient_scope")
    assert "cases:read" in body["detail"]


def test_the_scope_detail_is_in_the_callers_language(caseworker):
    _token, value = personal_token(caseworker, ["tasks:read"])
    response = bearer(value).get(PROBE, HTTP_ACCEPT_LANGUAGE="pl")
    body = _refused(response, 403, "insufficient_scope")
    assert "cases:read" in body["detail"]


def test_a_token_of_a_disabled_client_is_401_client_disabled(office):
    admin = office_admin(office)
    client, secret = api_client(admin)
    value = token_request(client.client_id, secret).json()["access_token"]
    assert bearer(value).get(PROBE).status_code == 200
    # Disabling ends the client's tokens; one issued in the same instant is refused too.
    ApiClient.objects.filter(pk=client.pk).update(disabled_at=timezone.now())
    _refused(bearer(value).get(PROBE), 401, "client_disabled")
    ApiClient.objects.filter(pk=client.pk).update(disabled_at=None)
    api_client_disable(actor=admin, client=client)
    _refused(bearer(value).get(PROBE), 401, "invalid_token")


def test_a_token_of_an_application_that_is_no_api_client_is_refused(caseworker):
    from oauth2_provider.models import Application, set_token_value

    application = Application.objects.create(
        name="Made in the admin",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    access = AccessToken(
        user=caseworker,
        application=application,
        scope="cases:read",
        expires=timezone.now() + timedelta(hours=1),
    )
    set_token_value(access, "admin-made-token-value")
    access.save()
    _refused(bearer("admin-made-token-value").get(PROBE), 401, "client_disabled")
