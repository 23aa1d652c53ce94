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
