"""/health/live and /health/ready (config/health.py): answered before any other middleware,
naming only the failing checks."""

import json

import pytest

from accounts.models import Role
from tests.factories import make_user
from workflows.system import probes

pytestmark = pytest.mark.django_db


def test_live_answers_without_the_database_a_session_or_a_known_host(
    client, django_assert_num_queries
):
    client.force_login(make_user(Role.CASEWORKER))  # a session cookie is sent, never read
    with django_assert_num_queries(0):
        response = client.get("/health/live", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    assert "no-cache" in response["Cache-Control"]


def test_ready_is_ok_when_everything_answers(client):
    response = client.get("/health/ready", HTTP_HOST="10.0.0.7")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert not response.cookies


def test_ready_names_the_failing_check_and_nothing_else(client, monkeypatch):
    # The broker on a port nothing listens on: a real failed connection, not a mocked one.
    monkeypatch.setattr(probes, "broker_url", lambda: "redis://127.0.0.1:1/0")
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "unavailable", "failing": ["broker"]}
    for revealing in (b"127.0.0.1", b"redis", b"6379", b"Error", b"version"):
        assert revealing not in response.content


def test_ready_reports_a_database_and_a_cache_failure(client, monkeypatch):
    def refuse():
        raise ConnectionError("db.internal:5432 refused")

    monkeypatch.setattr(probes, "database", refuse)
    monkeypatch.setattr(probes, "cache", refuse)
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": ["database", "cache"]}
    assert b"db.internal" not in response.content


def test_ready_fails_while_a_migration_is_not_applied(client, monkeypatch):
    class Executor:
        def __init__(self, connection):
            self.loader = type("Loader", (), {"graph": type("G", (), {"leaf_nodes": list})()})

        def migration_plan(self, targets):
            return [("accounts", "9999_not_applied")]

    monkeypatch.setattr(probes, "_migrations_applied", False)
    monkeypatch.setattr(probes, "MigrationExecutor", Executor)
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["migrations"]


def test_the_all_applied_answer_is_kept_for_the_process(client, monkeypatch):
    monkeypatch.setattr(probes, "_migrations_applied", False)
    probes.migrations()  # the real check: the test database is fully migrated
    assert probes._migrations_applied is True

    def must_not_load(connection):
        raise AssertionError("the migration graph was loaded again")

    monkeypatch.setattr(probes, "MigrationExecutor", must_not_load)
    assert client.get("/health/ready").status_code == 200
