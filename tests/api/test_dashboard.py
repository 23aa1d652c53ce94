"""The dashboard through the API: the page's figures as JSON for the user's scope (the
office; a national manager's roll-up of every office), the page's filters (bad ones: 400
with the field), refused to caseworkers, and the scope."""

import pytest

from accounts.models import Role
from api.scopes import scope_choices
from case_flows.monitoring.filters import DashboardFilters
from case_flows.monitoring.selectors import dashboard_figures
from tests.api.conftest import client_for, queries_for
from tests.api.world import open_case
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_the_office_managers_figures_are_the_pages(world):
    response = client_for(world.mgr).get("/api/v1/dashboard/")
    assert response.status_code == 200, response.json()
    body = response.json()
    page = dashboard_figures(world.mgr, DashboardFilters.coerce(None))
    assert body["open_cases"]["total"] == page["open_cases"]["total"] > 0
    assert body["overdue_tasks"]["total"] == page["overdue_tasks"]["total"]
    assert body["approvals"]["total"] == page["approvals"]["total"]
    assert body["caseload"]["caseworker_count"] == page["caseload"]["caseworker_count"]
    assert body["rollup"] is None
    assert body["filters"]["date_from"] == page["filters"].date_from.isoformat()
    # Only the manager's office: the other office's case is not counted.
    stages = {row["stage"]: row["count"] for row in body["open_cases"]["by_stage"]}
    assert sum(stages.values()) == body["open_cases"]["total"]
    assert set(body["open_cases"]["per_office"]) == {str(world.office.pk)}


def test_a_national_manager_sees_every_office(world):
    national = make_user(Role.MANAGER, world.office, username="national", is_national=True)
    body = client_for(national).get("/api/v1/dashboard/").json()
    codes = {row["code"] for row in body["rollup"]}
    assert {"BEK", "SOC"} <= codes
    body = client_for(national).get(f"/api/v1/dashboard/?office={world.other_office.pk}").json()
    assert body["rollup"] is None
    assert set(body["open_cases"]["per_office"]) == {str(world.other_office.pk)}


def test_the_filters_narrow_the_figures(world):
    client = client_for(world.mgr)
    every = client.get("/api/v1/dashboard/").json()["open_cases"]["total"]
    high = client.get("/api/v1/dashboard/?risk=high").json()
    assert high["filters"]["risk"] == "high"
    assert 0 < high["open_cases"]["total"] < every


def test_the_figures_cost_the_same_queries_for_more_cases(world):
    client = client_for(world.mgr)
    few = queries_for(client, "/api/v1/dashboard/")
    for n in range(4):
        open_case(world.office, world.cw, "Ama", f"More{n}")
    assert queries_for(client, "/api/v1/dashboard/") == few


def test_bad_filters_are_400_with_the_fields(world):
    client = client_for(world.mgr)
    response = client.get("/api/v1/dashboard/?date_from=1990-01-01&risk=extreme")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "risk" in errors and "date_from" in errors
    # An office outside the manager's scope is not a choice.
    response = client.get(f"/api/v1/dashboard/?office={world.other_office.pk}")
    assert response.status_code == 400 and "office" in response.json()["errors"]
    response = client.get("/api/v1/dashboard/?date_from=2026-05-01&date_to=2026-01-01")
    assert response.status_code == 400 and "non_field_errors" in response.json()["errors"]


def test_caseworkers_have_no_dashboard(world):
    response = client_for(world.cw).get("/api/v1/dashboard/")
    assert response.status_code == 403 and response.json()["code"] == "not_permitted"


def test_a_token_without_the_dashboard_scope_is_403(world):
    response = client_for(world.mgr, "cases:read").get("/api/v1/dashboard/")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    response = client_for(world.mgr, "dashboard:write").get("/api/v1/dashboard/")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


def test_no_write_scope_is_offered_for_the_read_only_dashboard():
    assert "dashboard:read" in scope_choices() and "dashboard:write" not in scope_choices()
    assert "cases:write" in scope_choices()
