"""API clients: OAuth 2 client credentials at /api/v1/oauth/token/ (api/clients.py, oauth.py)."""

import pytest
from django.contrib.auth.hashers import check_password
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from accounts.models import AccountAction, AccountEvent, Role
from accounts.staff import staff_deactivate
from api.clients import (
    api_client_create,
    api_client_delete,
    api_client_disable,
    api_client_enable,
    api_client_secret_rotate,
    may_manage_api_clients,
)
from api.models import ApiClient
from api.tokens import CredentialError
from tests.api.credentials import TOKEN_URL, api_client, bearer, office_admin, token_request
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _token(client: ApiClient, secret: str, **fields) -> dict:
    response = token_request(client.client_id, secret, **fields)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_token_endpoint_is_where_the_settings_and_schema_say(settings):
    assert reverse("api:token") == TOKEN_URL == settings.API_TOKEN_URL


def test_a_client_gets_a_token_that_acts_as_its_service_account(office):
    admin = office_admin(office)
    client, secret = api_client(admin, scopes=["cases:read", "tasks:read"], role=Role.MANAGER)
    account = client.service_account
    assert account.home_office == office and account.role_names == {Role.MANAGER}
    assert not account.has_usable_password()  # it cannot sign in

    body = _token(client, secret)
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert sorted(body["scope"].split()) == ["cases:read", "tasks:read"]  # all it may have
    access = AccessToken.objects.get(application=client.application)
    assert access.user == account and access.token == ""

    me = bearer(body["access_token"]).get("/api/v1/me/").json()
    assert me["username"] == account.username and me["roles"] == [Role.MANAGER]
    client.refresh_from_db()
    assert client.last_used_at is not None


def test_the_secret_is_stored_hashed_and_shown_only_once(office):
    client, secret = api_client(office_admin(office))
    stored = Application.objects.get(pk=client.application_id).client_secret
    assert stored != secret and check_password(secret, stored)


def test_a_client_gets_only_the_scopes_it_was_allowed(office):
    client, secret = api_client(office_admin(office), scopes=["cases:read", "tasks:read"])
    assert _token(client, secret, scope="cases:read")["scope"] == "cases:read"
    response = token_request(client.client_id, secret, scope="cases:read cases:write")
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"
    response = token_request(client.client_id, secret, scope="nonsense")
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"


def test_only_the_client_credentials_grant_is_accepted(office):
    client, secret = api_client(office_admin(office))
    response = token_request(
        client.client_id, secret, grant_type="password", username="x", password="y"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    assert not AccessToken.objects.exists()
    # The server never looked at the username and password (no failed sign-in recorded).
    assert not AccountEvent.objects.filter(action=AccountAction.SIGN_IN_FAILED).exists()


def test_a_wrong_secret_gets_no_token(office):
    client, _secret = api_client(office_admin(office))
    response = token_request(client.client_id, "wrong")
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_a_disabled_client_gets_no_token_and_its_tokens_end(office):
    admin = office_admin(office)
    client, secret = api_client(admin)
    value = _token(client, secret)["access_token"]
    api_client_disable(actor=admin, client=client)
    assert token_request(client.client_id, secret).status_code == 401
    assert bearer(value).get("/api/v1/me/").status_code == 401
    with pytest.raises(CredentialError) as refused:
        api_client_disable(actor=admin, client=client)
    assert refused.value.status == 409
    api_client_enable(actor=admin, client=client)
    _token(client, secret)


def test_a_new_secret_replaces_the_old_one_and_its_tokens(office):
    admin = office_admin(office)
    client, old = api_client(admin)
    value = _token(client, old)["access_token"]
    client, new = api_client_secret_rotate(actor=admin, client=client)
    assert new != old
    assert token_request(client.client_id, old).status_code == 401
    assert bearer(value).get("/api/v1/me/").status_code == 401
    _token(client, new)


def test_a_deleted_client_is_gone_but_its_record_stays(office):
    admin = office_admin(office)
    client, secret = api_client(admin)
    value = _token(client, secret)["access_token"]
    application_id = client.application_id
    api_client_delete(actor=admin, client=client)
    assert not Application.objects.filter(pk=application_id).exists()
    assert not AccessToken.objects.exists()
    assert token_request(client.client_id, secret).status_code == 401
    assert bearer(value).get("/api/v1/me/").status_code == 401
    client.refresh_from_db()
    assert client.deleted_at is not None and client.service_account.is_active
    with pytest.raises(CredentialError):
        api_client_disable(actor=admin, client=client)


def test_a_deactivated_service_account_ends_the_client(office):
    admin = office_admin(office)
    client, secret = api_client(admin)
    value = _token(client, secret)["access_token"]
    staff_deactivate(actor=admin, person=client.service_account)
    assert bearer(value).get("/api/v1/me/").json()["code"] == "account_inactive"
    assert token_request(client.client_id, secret).status_code == 401


def test_an_existing_account_of_the_office_may_serve(office, supervisor):
    admin = office_admin(office)
    client, secret = api_client_create(
        actor=admin,
        office=office,
        name="Reports",
        scopes=["cases:read"],
        service_account=supervisor,
    )
    me = bearer(_token(client, secret)["access_token"]).get("/api/v1/me/").json()
    assert me["username"] == supervisor.username


def test_accounts_that_may_not_serve_are_refused(office, other_office):
    admin = office_admin(office)
    stranger = make_user(Role.MANAGER, other_office, username="stranger")
    with pytest.raises(CredentialError) as refused:
        api_client_create(
            actor=admin, office=office, name="X", scopes=["cases:read"], service_account=stranger
        )
    assert refused.value.field == "service_account"
    superuser = make_user(Role.MANAGER, office, username="root", is_superuser=True)
    with pytest.raises(CredentialError):
        api_client_create(
            actor=admin, office=office, name="X", scopes=["cases:read"], service_account=superuser
        )
    assert not ApiClient.objects.exists() and not Application.objects.exists()


def test_bad_input_changes_nothing(office):
    admin = office_admin(office)
    api_client(admin, name="Payments")
    cases = [
        ({"name": "Payments", "scopes": ["cases:read"], "new_account_role": Role.MANAGER}, "name"),
        ({"name": "", "scopes": ["cases:read"], "new_account_role": Role.MANAGER}, "name"),
        ({"name": "B", "scopes": [], "new_account_role": Role.MANAGER}, "scopes"),
        ({"name": "B", "scopes": ["cases:delete"], "new_account_role": Role.MANAGER}, "scopes"),
        ({"name": "B", "scopes": ["cases:read"], "new_account_role": Role.ADMINISTRATOR}, "role"),
        ({"name": "B", "scopes": ["cases:read"], "new_account_role": ""}, "role"),
        (
            {
                "name": "B",
                "scopes": ["cases:read"],
                "new_account_role": Role.MANAGER,
                "new_account_username": "itadmin",
            },
            "username",
        ),
    ]
    for fields, field in cases:
        with pytest.raises(CredentialError) as refused:
            api_client_create(actor=admin, office=office, **fields)
        assert refused.value.field == field, fields
    assert ApiClient.objects.count() == Application.objects.count() == 1


def test_only_an_offices_administrators_manage_its_clients(office, other_office, manager):
    admin = office_admin(office)
    national = make_user(Role.ADMINISTRATOR, None, username="national", is_national=True)
    assert may_manage_api_clients(admin) and may_manage_api_clients(national)
    assert not may_manage_api_clients(manager)
    with pytest.raises(PermissionError):
        api_client(manager)
    with pytest.raises(PermissionError):
        api_client_create(
            actor=admin,
            office=other_office,
            name="X",
            scopes=["cases:read"],
            new_account_role=Role.MANAGER,
        )
    client, _secret = api_client_create(
        actor=national,
        office=other_office,
        name="X",
        scopes=["cases:read"],
        new_account_role=Role.MANAGER,
    )
    with pytest.raises(PermissionError):
        api_client_disable(actor=admin, client=client)


def test_every_change_is_in_the_account_audit(office):
    admin = office_admin(office)
    client, _secret = api_client(admin)
    api_client_disable(actor=admin, client=client)
    api_client_enable(actor=admin, client=client)
    api_client_secret_rotate(actor=admin, client=client)
    api_client_delete(actor=admin, client=client)
    events = AccountEvent.objects.filter(subject=client.service_account).order_by("pk")
    assert [e.action for e in events] == [
        AccountAction.SERVICE_ACCOUNT_CREATED,
        AccountAction.API_CLIENT_CREATED,
        AccountAction.API_CLIENT_DISABLED,
        AccountAction.API_CLIENT_ENABLED,
        AccountAction.API_CLIENT_SECRET_ROTATED,
        AccountAction.API_CLIENT_DELETED,
    ]
    assert all(e.actor == admin and e.office == office for e in events)
    assert events[1].details["client_id"] == client.client_id


def test_expired_tokens_are_swept_daily_and_personal_rows_stay(office, caseworker):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from api.tasks import clear_expired_tokens
    from config.celery import app
    from tests.api.credentials import personal_token

    entry = app.conf.beat_schedule["api-clear-expired-tokens"]
    assert entry["task"] == clear_expired_tokens.name and entry["options"]["expires"]
    row, secret = api_client(office_admin(office))
    _token(row, secret)
    token, _value = personal_token(caseworker, days=7)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        _token(row, secret)  # a fresh one, still valid
        clear_expired_tokens()
    assert AccessToken.objects.count() == 1
    assert AccessToken.objects.get().application == row.application
    token.refresh_from_db()
    assert token.access_token is None and token.revoked_at is None


def test_the_secret_may_come_in_the_form_body_too(office):
    from urllib.parse import urlencode

    from django.test import Client

    row, secret = api_client(office_admin(office))
    response = Client().post(
        TOKEN_URL,
        urlencode(
            {
                "grant_type": "client_credentials",
                "client_id": row.client_id,
                "client_secret": secret,
            }
        ),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200 and response.json()["token_type"] == "Bearer"


def test_a_service_account_is_never_offered_as_a_person_to_give_work_to(
    office, team, supervisor, caseworker, manager, new_case
):
    """An API client's new service account (here a supervisor and a manager, as a client for
    approvals or reports would have) acts through its client only: not in the "give the
    task to" list, the hand-over list, the deputies, the allocation list, nor the approval
    routing. A person's own account that also serves a client stays a person."""
    from case_flows.cases import selectors as case_selectors
    from case_flows.staff import selectors as staff_selectors
    from tests.steps import allocate, complete_intake, open_task, submit_assessment
    from workflows.approvals.models import SupervisorAbsence
    from workflows.approvals.services import approval_route
    from workflows.queue import assignable_users

    admin = office_admin(office)
    approvals_bot, _secret = api_client(admin, role=Role.SUPERVISOR, name="Approvals bot")
    reports_bot, _secret = api_client(admin, role=Role.MANAGER, name="Reports bot")
    bots = {approvals_bot.service_account, reports_bot.service_account}
    assert all(bot.is_service_account for bot in bots)
    team.members.add(*bots)  # even on the team

    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    approval = open_task(new_case, "approve_assessment")
    offered = set(assignable_users(approval))
    assert supervisor in offered and manager in offered and not offered & bots
    assert not set(staff_selectors.colleagues_for_handover(caseworker)) & bots
    assert not set(staff_selectors.deputies_for(manager)) & bots
    assert not set(case_selectors.caseworkers_for_allocation(new_case)) & bots
    # the team's supervisor away, no deputy: the approval goes to the manager, never a bot
    today = timezone.localdate()
    SupervisorAbsence.objects.create(supervisor=supervisor, starts_on=today, ends_on=today)
    assert approval_route(office=office, team=team, requested_by=caseworker) == manager

    person_serving, _secret = api_client_create(
        actor=admin, office=office, name="Reports", scopes=["cases:read"], service_account=manager
    )
    manager.refresh_from_db()
    assert not manager.is_service_account


def test_the_migration_marks_the_service_accounts_clients_were_made_for(office, manager):
    """api/migrations/0003: accounts made for a client (no usable password) are marked; a
    person's own account that serves a client is not."""
    import importlib

    from django.apps import apps

    mark = importlib.import_module("api.migrations.0003_mark_service_accounts").mark
    admin = office_admin(office)
    made_for, _secret = api_client(admin, name="Payments")
    api_client_create(
        actor=admin, office=office, name="Reports", scopes=["cases:read"], service_account=manager
    )
    made_for.service_account.__class__.objects.update(is_service_account=False)  # as before 0008

    mark(apps, None)

    made_for.service_account.refresh_from_db()
    manager.refresh_from_db()
    assert made_for.service_account.is_service_account and not manager.is_service_account
