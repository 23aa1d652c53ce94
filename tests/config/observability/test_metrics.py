"""/metrics: who may scrape it, what it lists after a request and a task completion, the open
and overdue tasks per office in one query, and multiprocess mode."""

import datetime
from collections import Counter as Counter_

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from case_flows.models import CaseEvent
from config.observability import metrics
from tests.factories import make_user
from tests.steps import allocate, complete_intake, open_task
from workflows.metrics import OfficeTasksCollector
from workflows.sla.models import SlaClock
from workflows.sla.seed import seed_sla_policies
from workflows.sla.sweep import sla_sweep

TOKEN = "scrape-token-0123456789abcdef"


def _scrape(client=None, **extra):
    return (client or Client()).get("/metrics", **extra)


def _samples(body: bytes) -> dict:
    """{(name, frozenset(labels)): value} of a scrape."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def _value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def test_an_allowed_address_scrapes_our_metrics_after_a_request_and_a_task_completion(
    new_case, supervisor, caseworker, django_capture_on_commit_callbacks
):
    task = open_task(new_case, "allocate")
    completions = _value("caseflow_task_completions_total", flow="CaseFlow", node="allocate")
    with django_capture_on_commit_callbacks(execute=True):
        allocate(new_case, supervisor, caseworker)
    task.refresh_from_db()
    assert task.status == "DONE"
    after = _value("caseflow_task_completions_total", flow="CaseFlow", node="allocate")
    assert after == completions + 1

    Client().get("/accounts/login/")
    response = _scrape(REMOTE_ADDR="127.0.0.1")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content
    for name in (
        "caseflow_http_requests_total",
        "caseflow_http_request_duration_seconds_bucket",
        "caseflow_task_completions_total",
        "caseflow_office_open_tasks",
        "caseflow_office_overdue_tasks",
    ):
        assert name.encode() in body, name
    samples = _samples(body)
    login = frozenset({"view": "login", "method": "GET", "status": "2xx"}.items())
    assert samples[("caseflow_http_requests_total", login)] >= 1
    allocation = frozenset({"flow": "CaseFlow", "node": "allocate"}.items())
    assert samples[("caseflow_task_completions_total", allocation)] == after
    assert b"/accounts/login/" not in body  # a view's name, never a path


def test_a_rolled_back_completion_is_not_counted(new_case, supervisor, caseworker):
    before = _value("caseflow_task_completions_total", flow="CaseFlow", node="allocate")
    allocate(new_case, supervisor, caseworker)  # the test's transaction never commits
    assert _value("caseflow_task_completions_total", flow="CaseFlow", node="allocate") == before


def test_ipv6_loopback_and_a_listed_network_are_allowed(db, settings):
    settings.METRICS_ALLOWED_IPS = ["::1", "10.20.0.0/16"]
    assert _scrape(REMOTE_ADDR="::1").status_code == 200
    assert _scrape(REMOTE_ADDR="10.20.3.4").status_code == 200
    assert _scrape(REMOTE_ADDR="127.0.0.1").status_code == 404  # no longer listed


def test_the_token_lets_any_address_scrape(db, token):
    response = _scrape(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and b"caseflow_office_tasks_up" in response.content


@pytest.mark.parametrize(
    "extra",
    [
        {"REMOTE_ADDR": "203.0.113.9"},
        {"REMOTE_ADDR": "203.0.113.9", "HTTP_AUTHORIZATION": "Bearer wrong-token"},
        {"REMOTE_ADDR": "203.0.113.9", "HTTP_AUTHORIZATION": f"Basic {TOKEN}"},
        # Through a proxy on the same machine: the address is the proxy's, not the caller's.
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.9"},
    ],
)
def test_anyone_else_gets_the_sites_404(db, token, extra):
    response = _scrape(**extra)
    assert response.status_code == 404
    assert b"caseflow_" not in response.content
    unknown = Client().get("/no-such-page", **extra)
    assert unknown.status_code == 404


def test_no_token_configured_means_no_token_works(db, settings):
    settings.METRICS_TOKEN = ""
    assert _scrape(REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_a_refused_post_is_a_404_too_not_a_csrf_403(db):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    assert client.post("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 405


@pytest.fixture
def policies(db):
    seed_sla_policies()


def test_open_and_overdue_tasks_per_office_in_one_query(policies, new_case, other_office):
    clocks = SlaClock.objects.filter(kind="task", status__in=["running", "paused"])
    assert clocks.filter(office=new_case.office).count() == 1  # the allocation task's deadline
    # its "unclaimed in the queue" clock is no task of its own: not counted
    assert SlaClock.objects.filter(kind="unclaimed", status="running").exists()
    clocks.update(breached=True)

    with CaptureQueriesContext(connection) as queries:
        families = {family.name: family for family in OfficeTasksCollector().collect()}
    assert len(queries) == 1

    def by_office(name):
        return {s.labels["office"]: s.value for s in families[name].samples}

    assert by_office("caseflow_office_open_tasks") == {"BEK": 1, "SOC": 0}
    assert by_office("caseflow_office_overdue_tasks") == {"BEK": 1, "SOC": 0}
    assert families["caseflow_office_tasks_up"].samples[0].value == 1


def test_multiprocess_mode_reads_every_process_file(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    registry = metrics.process_registry()
    assert registry is not REGISTRY
    generate_latest(registry)  # an empty folder is an empty scrape, not an error
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    assert metrics.process_registry() is REGISTRY


def test_every_documented_metric_is_defined():
    for name in metrics.METRIC_NAMES:
        assert name in REGISTRY._names_to_collectors, name


def test_stage_transitions_are_counted_by_from_and_to_after_commit(
    new_case, supervisor, caseworker, django_capture_on_commit_callbacks
):
    def transitions():
        return {
            (s.labels["from_stage"], s.labels["to_stage"]): s.value
            for family in REGISTRY.collect()
            if family.name == "caseflow_case_stage_transitions"
            for s in family.samples
            if s.name.endswith("_total")
        }

    before = transitions()
    last = CaseEvent.objects.filter(case=new_case).order_by("-pk").values_list("pk", flat=True)[0]
    with django_capture_on_commit_callbacks(execute=True):
        allocate(new_case, supervisor, caseworker)
        complete_intake(new_case, caseworker)
    moves = CaseEvent.objects.filter(case=new_case, pk__gt=last).exclude(from_stage=F("to_stage"))
    expected = Counter_((e.from_stage, e.to_stage) for e in moves)
    assert expected  # the journey moved the case
    after = transitions()
    for move, count in expected.items():
        assert after[move] - before.get(move, 0) == count, move


def test_a_staff_user_without_an_allowed_address_is_refused_too(db, office):
    user = make_user("manager", office, username="mgr-metrics")
    client = Client()
    client.force_login(user)
    assert _scrape(client, REMOTE_ADDR="203.0.113.9").status_code == 404


def test_the_sweep_is_timed_and_its_escalations_counted(policies, new_case):
    runs = _value("caseflow_sla_sweep_duration_seconds_count")
    escalations = _value("caseflow_sla_escalations_total")

    result = sla_sweep(now=timezone.now() + datetime.timedelta(days=30))

    assert result.escalations > 0  # the allocation's deadline passed long ago
    assert _value("caseflow_sla_sweep_duration_seconds_count") == runs + 1
    assert _value("caseflow_sla_escalations_total") == escalations + result.escalations
