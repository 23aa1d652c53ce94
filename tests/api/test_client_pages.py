"""An office's API clients, in the browser's pages (api/pages.py, api/clients.py)."""

import re

import pytest
from django.urls import reverse
from oauth2_provider.models import Application

from accounts.models import Role, User
from api.clients import api_client_delete
from api.models import ApiClient
from tests.api.credentials import api_client, bearer, office_admin, token_request
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LIST = "/staff/api-clients/"
NEW = "/staff/api-clients/new/"


def _form(**overrides) -> dict:
    data = {
        "name": "Payments",
        "scopes": ["cases:read", "people:read"],
        "account": "new",
        "role": Role.MANAGER,
        "username": "",
        "service_account": "",
    }
    data.update(overrides)
    return data


def _secret_from(page: str) -> tuple[str, str]:
    client_id = re.search(r'id="client-id"[^>]*>([^<]+)</textarea>', page)[1]
    secret = re.search(r'id="client-secret"[^>]*>([^<]+)</textarea>', page)[1]
    return client_id, secret


def test_an_administrator_registers_a_client_with_a_new_service_account(client, office):
    admin = office_admin(office)
    client.force_login(admin)
    staff = client.get("/staff/").content.decode()
    assert f'href="{LIST}"' in staff  # a tab of the Staff pages
    form = client.get(NEW)
    assert form.status_code == 200 and "Cases, their records and timeline" in form.content.decode()

    created = client.post(NEW, _form())
    assert created.status_code == 201 and "no-store" in created["Cache-Control"]
    client_id, secret = _secret_from(created.content.decode())
    row = ApiClient.objects.get()
    assert row.client_id == client_id and row.office == office
    assert row.scopes == ["cases:read", "people:read"]
    account = row.service_account
    assert account.username == "api-payments" and account.role_names == {Role.MANAGER}

    token = token_request(client_id, secret).json()["access_token"]
    assert bearer(token).get("/api/v1/me/").json()["username"] == "api-payments"

    detail = client.get(reverse("api_client", args=[row.pk])).content.decode()
    assert client_id in detail and secret not in detail
    assert secret not in client.get(LIST).content.decode()


def test_an_existing_account_of_the_office_may_be_chosen(client, office, supervisor):
    admin = office_admin(office)
    client.force_login(admin)
    page = client.get(NEW).content.decode()
    assert f'<option value="{supervisor.pk}">' in page
    created = client.post(NEW, _form(account="existing", service_account=str(supervisor.pk)))
    assert created.status_code == 201
    assert ApiClient.objects.get().service_account == supervisor


def test_only_accounts_a_client_may_act_as_are_offered(client, office, supervisor):
    admin = office_admin(office)
    dpo = make_user(Role.DATA_PROTECTION_OFFICER, office, username="dpo-here")
    client.force_login(admin)
    page = client.get(NEW).content.decode()
    assert f'<option value="{supervisor.pk}">' in page
    assert f'<option value="{dpo.pk}">' not in page
    assert f'<option value="{admin.pk}">' not in page


def test_bad_input_says_why_and_registers_nothing(client, office, other_office):
    admin = office_admin(office)
    stranger = make_user(Role.MANAGER, other_office, username="stranger")
    client.force_login(admin)
    for data, message in [
        (_form(name=""), "This field is required."),
        (_form(scopes=[]), "Choose at least one scope."),
        (_form(role=""), "Choose the role of the new service account."),
        (_form(role=Role.ADMINISTRATOR), "Select a valid choice."),
        (_form(account="existing"), "Choose the account the client acts as."),
        (_form(account="existing", service_account=str(stranger.pk)), "Select a valid choice."),
        (_form(username="itadmin"), "is taken"),
        (_form(username="bad name!"), "A username may contain only"),
    ]:
        response = client.post(NEW, data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert not ApiClient.objects.exists() and not Application.objects.exists()
    assert not User.objects.filter(username__startswith="api-").exists()


def test_the_list_shows_the_offices_clients(
    client, office, other_office, django_assert_num_queries
):
    admin = office_admin(office)
    for name in ("Payments", "Reports", "Census"):
        api_client(admin, name=name)
    deleted, _secret = api_client(admin, name="Old")
    api_client_delete(actor=admin, client=deleted)
    api_client(office_admin(other_office, username="theiradmin"), name="Elsewhere")
    client.force_login(admin)
    # Session, user, office, roles, the office, the clients with their accounts (one query),
    # permissions (2), the bell.
    with django_assert_num_queries(9):
        page = client.get(LIST).content.decode()
    names = re.findall(r">(Census|Payments|Reports|Old|Elsewhere)</a>", page)
    assert names == ["Census", "Payments", "Reports"]


def test_a_national_administrator_chooses_the_office(client, office, other_office):
    national = make_user(Role.ADMINISTRATOR, None, username="national", is_national=True)
    client.force_login(national)
    response = client.post(f"{NEW}?office={other_office.pk}", _form(name="Census"))
    assert response.status_code == 201
    row = ApiClient.objects.get()
    assert row.office == other_office and row.service_account.home_office == other_office
    page = client.get(f"{LIST}?office={other_office.pk}").content.decode()
    assert ">Census</a>" in page
    assert ">Census</a>" not in client.get(f"{LIST}?office={office.pk}").content.decode()


def test_only_administrators_reach_the_pages(client, office, other_office, manager, caseworker):
    theirs, _secret = api_client(office_admin(other_office, username="theiradmin"))
    for person in (manager, caseworker):
        client.force_login(person)
        assert client.get(LIST).status_code == 403
        assert client.post(NEW, _form()).status_code == 403
    client.force_login(office_admin(office))
    assert client.get(f"{LIST}?office={other_office.pk}").status_code == 404
    assert client.get(f"{LIST}?office=junk").status_code == 404
    assert client.get(reverse("api_client", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("api_client_disable", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("api_client_delete", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.disabled_at is None and theirs.deleted_at is None


def test_disable_enable_replace_the_secret_and_delete(client, office):
    admin = office_admin(office)
    row, old_secret = api_client(admin)
    client.force_login(admin)

    disabled = client.post(reverse("api_client_disable", args=[row.pk]), follow=True)
    assert "is disabled" in disabled.content.decode()
    assert token_request(row.client_id, old_secret).status_code == 401
    again = client.post(reverse("api_client_disable", args=[row.pk]))
    assert again.status_code == 409 and "already disabled" in again.content.decode()
    client.post(reverse("api_client_enable", args=[row.pk]))
    assert token_request(row.client_id, old_secret).status_code == 200

    confirm = client.get(reverse("api_client_secret", args=[row.pk]))
    assert (
        confirm.status_code == 200 and token_request(row.client_id, old_secret).status_code == 200
    )
    rotated = client.post(reverse("api_client_secret", args=[row.pk]))
    assert rotated.status_code == 200 and "no-store" in rotated["Cache-Control"]
    _client_id, new_secret = _secret_from(rotated.content.decode())
    assert token_request(row.client_id, old_secret).status_code == 401
    assert token_request(row.client_id, new_secret).status_code == 200

    assert client.get(reverse("api_client_delete", args=[row.pk])).status_code == 200
    deleted = client.post(reverse("api_client_delete", args=[row.pk]), follow=True)
    assert "was deleted" in deleted.content.decode()
    assert token_request(row.client_id, new_secret).status_code == 401
    assert client.get(reverse("api_client", args=[row.pk])).status_code == 404
    row.refresh_from_db()
    assert row.deleted_at is not None
