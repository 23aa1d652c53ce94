"""What schemathesis found where the API and its description disagreed (tests/api/
test_schemathesis.py), each pinned here so that it stays fixed whatever schemathesis
generates next time."""

from pathlib import Path

import pytest
import yaml

from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

DESCRIPTION = Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.yaml"


def _parameters(path: str) -> dict:
    operation = yaml.safe_load(DESCRIPTION.read_text())["paths"][path]["get"]
    return {p["name"]: p for p in operation["parameters"]}


def test_an_address_under_the_api_that_matches_nothing_is_the_apis_404(caseworker, client):
    """A task id that is not a number matched no URL and got the site's HTML page."""
    api = client_for(caseworker)
    for path in ("/api/v1/tasks/null,null/", "/api/v1/cases/abc/records/", "/api/v1/nothing/"):
        response = api.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "not_found"
    # Elsewhere the site's own page, as before.
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_a_page_size_below_one_is_refused_and_the_description_says_so(caseworker):
    response = client_for(caseworker).get("/api/v1/tasks/?page_size=0")
    assert response.status_code == 400
    assert "page_size" in response.json()["errors"]
    for path in ("/api/v1/tasks/", "/api/v1/cases/", "/api/v1/approvals/"):
        assert _parameters(path)["page_size"]["schema"]["minimum"] == 1


def test_an_unknown_sort_is_refused_by_the_lists_and_the_counts_take_none(caseworker):
    """The page's form falls back to the default order for an unknown `sort` (an old
    bookmark); the API said 400 for bad values but answered 200 for this one."""
    api = client_for(caseworker)
    for path in ("/api/v1/tasks/", "/api/v1/tasks/queue/"):
        response = api.get(f"{path}?sort=AAA")
        assert response.status_code == 400, path
        assert "AAA" in response.json()["errors"]["sort"][0]
        assert api.get(f"{path}?sort=-risk").status_code == 200
    # The counts do not sort: not a parameter of theirs, and ignored when sent.
    assert "sort" not in _parameters("/api/v1/tasks/counts/")
    assert "sort" in _parameters("/api/v1/tasks/")
    assert api.get("/api/v1/tasks/counts/?sort=AAA").status_code == 200


def test_overdue_takes_a_boolean(caseworker):
    """The page's checkbox reads any text as "on": `overdue=null` listed the overdue tasks."""
    api = client_for(caseworker)
    for path in ("/api/v1/tasks/", "/api/v1/tasks/queue/", "/api/v1/tasks/counts/"):
        response = api.get(f"{path}?overdue=null")
        assert response.status_code == 400, path
        assert response.json()["errors"]["overdue"] == ["Give true or false."]
        for value in ("true", "false", "1", "0"):
            assert api.get(f"{path}?overdue={value}").status_code == 200, (path, value)
