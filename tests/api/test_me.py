import pytest

from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def test_me_answers_who_the_token_speaks_for(caseworker):
    response = client_for(caseworker, "cases:read").get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == caseworker.username
    assert body["scopes"] == ["cases:read"]


def test_no_token_is_401_with_the_error_shape(db):
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_unknown_address_answers_in_the_error_shape(db):
    from rest_framework.test import APIClient

    for path in ("/api/v1/nonexistent/", "/api/v1/cases/abc/"):
        response = APIClient().get(path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["code"] == "not_found"


def test_a_refused_token_is_told_in_the_callers_language(db):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer nonsense", HTTP_ACCEPT_LANGUAGE="pl")
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert response.json()["detail"] != "The token is not valid."
