"""Every API call in the access log (api/authentication.py, case_flows/access_log)."""

import pytest
from django.urls import reverse

from accounts.models import Role
from case_flows.models import AccessAction, AccessEvent
from tests.api.credentials import api_client, bearer, office_admin, personal_token, token_request
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls_for_tests")]

PROBE = "/api/v1/probe/cases/"


def test_each_call_is_one_row_naming_method_path_and_credential(caseworker):
    token, value = personal_token(caseworker, ["cases:read"])
    assert bearer(value).get("/api/v1/me/?cursor=abc&q=Mensah").status_code == 200
    row = AccessEvent.objects.get()
    assert row.action == AccessAction.API_CALL
    assert row.user == caseworker and row.office_id == caseworker.home_office_id
    assert row.target == "GET /api/v1/me/"  # no query string
    assert row.reason == f"personal token #{token.pk}"
    assert row.ip_address == "127.0.0.1"


def test_a_clients_calls_are_its_service_accounts_naming_the_client(office):
    row, secret = api_client(office_admin(office))
    value = token_request(row.client_id, secret).json()["access_token"]
    bearer(value).get("/api/v1/me/")
    bearer(value).get("/api/v1/me/")
    events = list(AccessEvent.objects.order_by("pk"))
    assert len(events) == 2
    assert {e.user_id for e in events} == {row.service_account_id}
    assert {e.reason for e in events} == {f"API client #{row.pk}"}


def test_a_views_own_rows_through_the_rest_framework_request_are_written(caseworker):
    _token, value = personal_token(caseworker, ["cases:read"])
    assert bearer(value).get(PROBE).status_code == 200
    rows = {(e.action, e.target, e.query) for e in AccessEvent.objects.all()}
    assert rows == {
        (AccessAction.API_CALL, f"GET {PROBE}", ""),
        (AccessAction.SEARCH, "", "probe"),
    }


def test_a_refused_call_reads_nothing_and_writes_nothing(caseworker):
    _token, value = personal_token(caseworker, ["tasks:read"])
    assert bearer(value).get(PROBE).status_code == 403
    assert bearer("cfp_unknown").get("/api/v1/me/").status_code == 401
    assert not AccessEvent.objects.exists()


def test_the_officers_page_shows_api_calls(client, caseworker, office):
    token, value = personal_token(caseworker)
    bearer(value).get("/api/v1/me/")
    officer = make_user(Role.DATA_PROTECTION_OFFICER, office, username="officer")
    client.force_login(officer)
    page = client.get(reverse("access_log") + "?action=api_call").content.decode()
    assert "API call" in page and "GET /api/v1/me/" in page
    assert f"personal token #{token.pk}" in page


def test_rows_noted_on_a_rest_framework_request_reach_the_django_request(rf, caseworker):
    """access_record() given DRF's wrapper (as a view has it) puts the rows on the request
    the middleware flushes, even when nothing was noted on it before."""
    from rest_framework.request import Request

    from case_flows.access_log.recording import access_record, access_rows_flush

    django_request = rf.get("/api/v1/anything/")
    drf_request = Request(django_request)
    drf_request.user = caseworker  # as DRF's authentication leaves it
    access_record(drf_request, AccessAction.SEARCH, query="x")
    assert access_rows_flush(django_request) == 1
    assert AccessEvent.objects.get().query == "x"
