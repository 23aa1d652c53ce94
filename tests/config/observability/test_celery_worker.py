"""Through a real Celery worker and Redis: a request id set where a task is enqueued is in the
worker's JSON log lines of that task, and the worker's metrics reach a multiprocess scrape."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import transaction
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

from accounts.models import Role
from config.observability.logs import request_id_var
from notifications.models import Delivery, DeliveryStatus, Event, NotificationPreference
from notifications.outbox import notify
from tests.factories import make_user
from tests.notifications.test_tasks_worker import _database_url, wait_for

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path):
    broker = redis.Redis.from_url(settings.REDIS_URL)
    broker.delete("celery", "unacked", "unacked_index")
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.REDIS_URL,
        "REDIS_URL": settings.REDIS_URL,
        "SMS_BACKEND": "tests.notifications.test_services.RejectingSms",
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    with log_path.open("a") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"obs-test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        yield SimpleWorker(log_path, metrics_dir)
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    broker.delete("celery", "unacked", "unacked_index")


class SimpleWorker:
    def __init__(self, log_path: Path, metrics_dir: Path):
        self.log_path, self.metrics_dir = log_path, metrics_dir

    def json_lines(self) -> list[dict]:
        lines = []
        for text in self.log_path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(text)
            except ValueError:
                continue  # Celery's start-up banner is printed, not logged
            if isinstance(entry, dict):
                lines.append(entry)
        return lines

    def sample(self, name: str, labels: dict) -> float:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(self.metrics_dir))
        return registry.get_sample_value(name, labels) or 0.0


def test_the_worker_logs_the_enqueuing_request_id_and_its_metrics_are_scraped(office, team, worker):
    user = make_user(Role.CASEWORKER, office, team, username="sms-obs", phone="+233200001234")
    NotificationPreference.objects.create(user=user, event=Event.SLA_BREACH, email=False, sms=True)
    request_id = f"req-{uuid.uuid4().hex[:12]}"

    token = request_id_var.set(request_id)  # as the request middleware does
    try:
        with transaction.atomic():
            notification = notify(
                recipient=user,
                event=Event.SLA_BREACH,
                dedupe_key="sla:obs:breach:1",
                case_reference="BEK-2026-000001",
                link="/cases/1/",
            )
    finally:
        request_id_var.reset(token)
    delivery = notification.deliveries.get()

    assert wait_for(lambda: Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.FAILED)
    task_labels = {"task": "notifications.tasks.deliver", "state": "SUCCESS"}
    assert wait_for(
        lambda: worker.sample("caseflow_celery_task_duration_seconds_count", task_labels) == 1
    )

    failed = [
        line
        for line in worker.json_lines()
        if line["message"] == f"Delivery {delivery.pk} (sms) failed"
    ]
    assert len(failed) == 1
    assert failed[0]["request_id"] == request_id
    assert failed[0]["task"].startswith("notifications.tasks.deliver ")
    assert "+233200001234" not in worker.log_path.read_text()
    outcome = {"channel": "sms", "result": "failed"}
    assert worker.sample("caseflow_outbox_deliveries_total", outcome) == 1
