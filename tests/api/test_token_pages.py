"""A person's API tokens, in the browser's pages (api/pages.py, api/tokens.py)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken

from accounts.models import AccountAction, AccountEvent
from api.models import PersonalToken
from api.tokens import personal_token_revoke
from tests.api.credentials import bearer, personal_token
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LIST = "/accounts/api-tokens/"
NEW = "/accounts/api-tokens/new/"


def _revoke_url(token) -> str:
    return reverse("api_token_revoke", args=[token.pk])


def test_the_pages_are_where_the_account_menu_says(client, caseworker):
    client.force_login(caseworker)
    home = client.get("/", follow=True).content.decode()
    assert f'href="{LIST}"' in home
    assert reverse("api_tokens") == LIST and reverse("api_token_new") == NEW


def test_a_person_creates_a_token_and_sees_it_once(client, caseworker):
    client.force_login(caseworker)
    form = client.get(NEW)
    assert form.status_code == 200
    page = form.content.decode()
    # Grouped by family, with the families' descriptions; 30 days chosen unless changed.
    assert "Cases, their records and timeline" in page
    assert re.search(r'<option value="30" selected>', page)

    created = client.post(
        NEW, {"name": "Monthly report", "scopes": ["cases:read", "tasks:read"], "days": "7"}
    )
    assert created.status_code == 201
    assert "no-store" in created["Cache-Control"]
    value = re.search(r'id="token-value"[^>]*>(cfp_[^<]+)</textarea>', created.content.decode())[1]
    token = PersonalToken.objects.get(created_by=caseworker)
    assert token.name == "Monthly report" and token.scopes == ["cases:read", "tasks:read"]
    assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)

    me = bearer(value).get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["scopes"] == ["cases:read", "tasks:read"]

    listing = client.get(LIST).content.decode()
    assert "Monthly report" in listing and token.prefix in listing
    assert value not in listing
    assert value not in client.get(NEW).content.decode()


def test_the_list_says_each_tokens_status(client, caseworker, django_assert_num_queries):
    active, _v = personal_token(caseworker, name="Active one")
    revoked, _v = personal_token(caseworker, name="Revoked one")
    personal_token_revoke(token=revoked, actor=caseworker)
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        personal_token(caseworker, name="Expired one", days=7)
    personal_token(make_user(username="someone_else"), name="Not mine")
    client.force_login(caseworker)
    # Session, user, office, roles, the tokens (one query, however many), permissions (2) and
    # the notification bell.
    with django_assert_num_queries(8):
        page = client.get(LIST).content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    status = {
        name: row
        for row in rows
        for name in ("Active one", "Revoked one", "Expired one")
        if name in row
    }
    assert "Active" in status["Active one"] and "Revoke" in status["Active one"]
    assert "Revoked" in status["Revoked one"] and _revoke_url(revoked) not in status["Revoked one"]
    assert "Expired" in status["Expired one"]
    assert "Not mine" not in page


def test_bad_input_says_why_and_creates_nothing(client, caseworker):
    client.force_login(caseworker)
    for data, message in [
        ({"name": "", "scopes": ["cases:read"], "days": "30"}, "This field is required."),
        ({"name": "X", "days": "30"}, "Choose at least one scope."),
        ({"name": "X", "scopes": ["cases:delete"], "days": "30"}, "Select a valid choice."),
        ({"name": "X", "scopes": ["cases:read"], "days": "365"}, "Select a valid choice."),
        ({"name": "X", "scopes": ["cases:read"], "days": "soon"}, "Select a valid choice."),
    ]:
        response = client.post(NEW, data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert not PersonalToken.objects.exists() and not AccessToken.objects.exists()


def test_the_lifetimes_stop_at_api_token_max_days(client, caseworker, settings):
    settings.API_TOKEN_MAX_DAYS = 30
    client.force_login(caseworker)
    page = client.get(NEW).content.decode()
    assert re.findall(r'<option value="(\d+)"', page) == ["7", "30"]
    response = client.post(NEW, {"name": "X", "scopes": ["cases:read"], "days": "90"})
    assert response.status_code == 400 and not PersonalToken.objects.exists()
    settings.API_TOKEN_MAX_DAYS = 3
    assert re.findall(r'<option value="(\d+)"', client.get(NEW).content.decode()) == ["3"]


def test_revoking_asks_first_then_ends_the_token(client, caseworker):
    token, value = personal_token(caseworker, name="Old script")
    client.force_login(caseworker)
    confirm = client.get(_revoke_url(token))
    assert confirm.status_code == 200 and "Revoke the token" in confirm.content.decode()
    assert bearer(value).get("/api/v1/me/").status_code == 200  # asking changed nothing

    response = client.post(_revoke_url(token), follow=True)
    assert "was revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == caseworker
    assert token.access_token is None and not AccessToken.objects.exists()
    assert bearer(value).get("/api/v1/me/").json()["code"] == "token_revoked"

    again = client.post(_revoke_url(token))
    assert again.status_code == 409 and "already revoked" in again.content.decode()


def test_nobody_else_sees_or_revokes_a_token(client, caseworker, supervisor):
    token, value = personal_token(caseworker)
    client.force_login(supervisor)
    assert client.get(_revoke_url(token)).status_code == 404
    assert client.post(_revoke_url(token)).status_code == 404
    assert bearer(value).get("/api/v1/me/").status_code == 200


def test_only_staff_have_tokens(client, office):
    nobody = make_user(None, office, username="norole")
    client.force_login(nobody)
    assert client.get(LIST).status_code == 403
    assert (
        client.post(NEW, {"name": "X", "scopes": ["cases:read"], "days": "30"}).status_code == 403
    )
    assert not PersonalToken.objects.exists()
    client.logout()
    assert client.get(LIST).status_code == 302  # to the sign-in page


def test_creation_and_revocation_are_in_the_account_audit(client, caseworker):
    client.force_login(caseworker)
    client.post(NEW, {"name": "Audit me", "scopes": ["cases:read"], "days": "30"})
    token = PersonalToken.objects.get()
    client.post(_revoke_url(token))
    events = AccountEvent.objects.filter(subject=caseworker).order_by("pk")
    assert [e.action for e in events] == [
        AccountAction.API_TOKEN_CREATED,
        AccountAction.API_TOKEN_REVOKED,
    ]
    assert events[0].details == {
        "token": token.pk,
        "name": "Audit me",
        "scopes": ["cases:read"],
        "expires": token.expires_at.date().isoformat(),
    }
    assert all(e.actor == caseworker and e.address == "127.0.0.1" for e in events)


def test_the_office_audit_tells_token_events_in_words(client, caseworker, manager):
    token, _value = personal_token(caseworker, ["cases:read", "tasks:read"], name="Nightly sync")
    personal_token_revoke(token=token, actor=caseworker)
    client.force_login(manager)
    page = client.get("/staff/audit/").content.decode()
    assert "API token created" in page and "API token revoked" in page
    assert "“Nightly sync”; scopes: cases:read, tasks:read; expires " in page


def test_the_same_form_sent_twice_makes_one_token(client, caseworker):
    client.force_login(caseworker)
    page = client.get(NEW).content.decode()
    submission = re.search(r'name="submission" value="([0-9a-f]{32})"', page).group(1)
    data = {"name": "Sent twice", "scopes": ["cases:read"], "days": "30", "submission": submission}
    assert client.post(NEW, data).status_code == 201
    again = client.post(NEW, data, follow=True)
    assert again.redirect_chain[-1][0] == LIST
    assert "already created" in again.content.decode()
    assert PersonalToken.objects.filter(name="Sent twice").count() == 1
