"""Credentials made the way the app makes them (api/tokens.py, api/clients.py), and a token
fetched from the token endpoint the way a client system does."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role
from api.clients import api_client_create
from api.tokens import personal_token_create
from tests.factories import make_user

TOKEN_URL = "/api/v1/oauth/token/"


def personal_token(user, scopes=("cases:read",), days=30, name="Script"):
    """(PersonalToken, value) of `user`."""
    return personal_token_create(actor=user, name=name, scopes=list(scopes), days=days)


def bearer(value: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
    return client


def office_admin(office, username="itadmin"):
    return make_user(Role.ADMINISTRATOR, office, username=username)


def api_client(admin, *, scopes=("cases:read", "tasks:read"), role=Role.MANAGER, name="Payments"):
    """(ApiClient, secret): a client with a new service account of `role`."""
    return api_client_create(
        actor=admin, office=admin.home_office, name=name, scopes=list(scopes), new_account_role=role
    )


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_request(client_id: str, secret: str, **fields):
    """POST to the token endpoint as curl -u id:secret -d grant_type=client_credentials."""
    return Client().post(
        TOKEN_URL,
        urlencode({"grant_type": "client_credentials", **fields}),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic(client_id, secret),
    )
