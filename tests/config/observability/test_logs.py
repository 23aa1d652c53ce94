"""Request ids (X-Request-ID in and out, into Celery tasks and their log lines), the JSON log
format, and no personal data in the log lines of a client's journey."""

import datetime
import io
import json
import logging
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from prometheus_client import REGISTRY

from accounts.models import Role
from case_flows.models import Case, IdentifierKind, Stage
from config.observability import celery as celery_signals
from config.observability.logs import (
    JsonFormatter,
    RequestIdFilter,
    TextFormatter,
    logging_config,
    request_id_var,
    task_var,
)
from tests.case_flows.registry.test_identifiers import make_pesel
from tests.case_flows.work.test_views_tasks import client_for, register_data
from tests.factories import make_team, make_user
from tests.steps import allocate, complete_intake, submit_assessment


@pytest.fixture
def json_lines():
    """Every log line written while the test runs, as production writes them (JSON)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.DEBUG)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_safe_incoming_request_id_is_kept_and_echoed(db):
    response = Client().get("/accounts/login/", HTTP_X_REQUEST_ID="edge-7f3a.42:1")
    assert response["X-Request-ID"] == "edge-7f3a.42:1"


@pytest.mark.parametrize(
    "incoming", [None, "", "two words", "x" * 129, "id\nFAKE LOG LINE", '"quoted"', "-leading"]
)
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(db, incoming):
    extra = {} if incoming is None else {"HTTP_X_REQUEST_ID": incoming}
    first = Client().get("/accounts/login/", **extra)["X-Request-ID"]
    second = Client().get("/accounts/login/", **extra)["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0  # a fresh uuid4, in hex
    assert first != second and first != incoming


def test_log_lines_are_json_with_the_request_id_even_djangos_own(db, json_lines):
    response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="req-404-test")
    assert response.status_code == 404
    lines = json_lines()
    not_found = [line for line in lines if line["message"] == "Not Found: /no-such-page/"]
    assert len(not_found) == 1
    assert not_found[0]["request_id"] == "req-404-test"
    assert not_found[0]["logger"] == "django.request" and not_found[0]["level"] == "WARNING"
    assert not_found[0]["status_code"] == 404
    assert datetime.datetime.fromisoformat(not_found[0]["time"]).tzinfo is not None
    assert request_id_var.get() == ""  # cleared once the response was closed


def test_exceptions_go_in_the_same_json_line(json_lines):
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("caseflow.test").exception("it failed")
    (line,) = [line for line in json_lines() if line["message"] == "it failed"]
    assert "ValueError: boom" in line["exception"] and line["request_id"] is None


def test_the_text_format_carries_the_request_id():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    token = request_id_var.set("abc123")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    assert TextFormatter().format(record).endswith("INFO x [abc123]: hello")
    bare = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    assert TextFormatter().format(bare).endswith("[-]: hello")  # a handler without the filter


def test_the_setting_chooses_the_format():
    assert settings.LOG_FORMAT in ("text", "json")
    config = logging_config(log_format="json", level="INFO")
    assert config["handlers"]["console"]["formatter"] == "json"
    assert config["handlers"]["console"]["filters"] == ["request_id"]


def test_the_request_id_goes_into_the_message_headers_and_back_in_the_worker(json_lines):
    token = request_id_var.set("req-celery-1")
    headers: dict = {}
    try:
        celery_signals._add_request_id(headers=headers, body=None)
    finally:
        request_id_var.reset(token)
    assert headers == {"caseflow_request_id": "req-celery-1"}

    task = SimpleNamespace(name="notifications.tasks.deliver", request=SimpleNamespace(**headers))
    before = REGISTRY.get_sample_value(
        "caseflow_celery_task_duration_seconds_count",
        {"task": "notifications.tasks.deliver", "state": "SUCCESS"},
    )
    celery_signals._task_started(task_id="t-1", task=task)
    logging.getLogger("notifications.delivery").warning("inside the task")
    celery_signals._task_ended(task_id="t-1", task=task, state="SUCCESS")

    (line,) = [line for line in json_lines() if line["message"] == "inside the task"]
    assert line["request_id"] == "req-celery-1"
    assert line["task"] == "notifications.tasks.deliver t-1"
    assert request_id_var.get() == "" and task_var.get() == ""  # nothing leaks to the next task
    after = REGISTRY.get_sample_value(
        "caseflow_celery_task_duration_seconds_count",
        {"task": "notifications.tasks.deliver", "state": "SUCCESS"},
    )
    assert after == (before or 0) + 1


def test_no_request_id_outside_a_request_adds_no_header():
    headers: dict = {}
    celery_signals._add_request_id(headers=headers)
    assert headers == {}


def test_an_unsafe_header_from_the_broker_is_not_restored():
    task = SimpleNamespace(name="t", request=SimpleNamespace(caseflow_request_id="a b\nc"))
    celery_signals._task_started(task_id="t-2", task=task)
    try:
        assert request_id_var.get() == ""
    finally:
        celery_signals._task_ended(task_id="t-2", task=task, state="SUCCESS")


# --- no personal data in the log lines of a client's journey ------------------------------

GIVEN, FAMILY = "Zdzisława", "Brzęczyszczykiewicz"
PHONE = "+48 601 234 567"


@pytest.fixture
def polish_office_people(other_office):
    supervisor = make_user(Role.SUPERVISOR, other_office, username="sup-pl")
    team = make_team(other_office, supervisor=supervisor)
    caseworker = make_user(Role.CASEWORKER, other_office, team, username="cw-pl")
    return supervisor, caseworker


def test_a_clients_journey_writes_no_name_pesel_or_phone_to_the_logs(
    polish_office_people, caplog, json_lines, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.request")
    supervisor, caseworker = polish_office_people
    pesel = make_pesel(datetime.date(1990, 3, 15), serial="0004")
    client = client_for(caseworker)
    new = reverse("case_new")

    with django_capture_on_commit_callbacks(execute=True):
        found = client.post(new, {"find": "1", "given_name": GIVEN, "family_name": FAMILY})
        assert found.status_code == 302
        client.get(found["Location"])
        data = register_data(
            given_name=GIVEN,
            family_name=FAMILY,
            phone=PHONE,
            national_id_kind=IdentifierKind.objects.get(code="pesel").pk,
            national_id=pesel,
            date_of_birth="1990-03-15",
            sex="female",
        )
        assert client.post(new, data).status_code == 302
        case = Case.objects.get(person__family_name=FAMILY)
        client.get("/cases/", {"q": FAMILY})  # the case list's search is a GET
        client.get(reverse("case_detail", args=[case.pk]))
        client.get(f"/cases/{case.pk}/no-such-page/", {"q": FAMILY})  # a 404 Django logs
        allocate(case, supervisor, caseworker)
        complete_intake(case, caseworker)
        submit_assessment(case, caseworker)

    case.refresh_from_db()
    assert case.stage in (Stage.ASSESSMENT, Stage.PLANNING)  # intake done, assessment sent
    logged = caplog.text + "\n".join(json.dumps(line, ensure_ascii=False) for line in json_lines())
    assert "Not Found" in logged  # the capture works: Django's own 404 line is in it
    raw = logged.lower()
    phones = (PHONE, "601 234 567", "601234567", "+48601234567")
    for secret in (GIVEN, FAMILY, "brzeczyszczykiewicz", pesel, *phones):
        assert secret.lower() not in raw, secret
