"""Delivery through a real Celery worker and Redis, including a broker outage."""

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from accounts.models import Role
from notifications.dispatch import enqueue_deliveries
from notifications.models import Delivery, DeliveryStatus, Event, NotificationPreference
from notifications.outbox import NotificationRequest, notify, notify_bulk
from notifications.tasks import redispatch_pending
from tests.factories import make_user

from .conftest import broker_client, queued_batches
from .test_backends_sms import FakeGateway

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition, timeout=30.0, interval=0.1):
    """Poll until condition() is true; the assertion is on the condition, not on time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def _database_url() -> str:
    db = settings.DATABASES["default"]
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def sms_file(tmp_path):
    return tmp_path / "sms.jsonl"


@pytest.fixture
def start_worker(sms_file, tmp_path, broker_queue):
    broker_queue.delete("unacked", "unacked_index")
    processes, logs = [], []

    def start(**extra_env):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": settings.REDIS_URL,
            "REDIS_URL": settings.REDIS_URL,
            "SMS_BACKEND": "notifications.backends.sms.FileSmsBackend",
            "SMS_FILE_PATH": str(sms_file),
            **extra_env,
        }
        log = (tmp_path / "worker.log").open("a")
        logs.append(log)
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
                f"notif-test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for log in logs:
        log.close()
    broker_queue.delete("unacked", "unacked_index")


def _sms_references(sms_file: Path) -> list[str]:
    if not sms_file.exists():
        return []
    return [json.loads(line)["reference"] for line in sms_file.read_text().splitlines()]


def _queue_drained() -> bool:
    client = broker_client()
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


def _sms_user(office, team, n):
    user = make_user(Role.CASEWORKER, office, team, username=f"sms{n}", phone=f"+23320000{n:04d}")
    NotificationPreference.objects.create(user=user, event=Event.SLA_BREACH, email=False, sms=True)
    return user


def test_a_real_worker_delivers_after_commit(office, team, start_worker, sms_file):
    user = _sms_user(office, team, 1)
    start_worker()

    with transaction.atomic():
        notification = notify(
            recipient=user,
            event=Event.SLA_BREACH,
            dedupe_key="sla:1:breach:1",
            case_reference="BEK-2026-000001",
            link="/cases/1/",
        )
    delivery = notification.deliveries.get()

    assert wait_for(lambda: Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT)
    assert _sms_references(sms_file) == [str(delivery.pk)]


def test_broker_down_keeps_rows_pending_then_each_is_delivered_exactly_once(
    office, team, start_worker, sms_file, settings
):
    users = [_sms_user(office, team, n) for n in range(5)]
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # the broker is down

    with transaction.atomic():
        users[0].first_name = "Changed with the notifications"
        users[0].save(update_fields=["first_name"])
        written = notify_bulk(
            [
                NotificationRequest(
                    recipient_id=user.pk,
                    event=Event.SLA_BREACH,
                    dedupe_key=f"sla:7:breach:{user.pk}",
                    case_reference="BEK-2026-000007",
                    link="/cases/7/",
                )
                for user in users
            ]
        )

    # The business change committed; the outbox rows wait in PostgreSQL.
    assert written == 5
    users[0].refresh_from_db()
    assert users[0].first_name == "Changed with the notifications"
    pending = list(Delivery.objects.values_list("pk", flat=True).order_by("pk"))
    assert len(pending) == 5
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    assert queued_batches() == []

    # The broker is back: the recovery sweep re-dispatches, and a duplicate message (as
    # after a killed worker's redelivery) must not send anything twice.
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    settings.NOTIFICATIONS_REDISPATCH_AFTER = 0
    assert redispatch_pending() == 5
    assert enqueue_deliveries(pending) == 1
    start_worker()

    assert wait_for(
        lambda: (
            not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists() and _queue_drained()
        )
    )
    assert sorted(_sms_references(sms_file)) == sorted(str(pk) for pk in pending)
    assert redispatch_pending() == 0


def test_a_worker_killed_mid_delivery_delays_the_message_but_loses_nothing(
    office, team, start_worker, settings
):
    user = _sms_user(office, team, 9)
    with FakeGateway() as gateway:
        gateway.hold_first = threading.Event()
        worker = start_worker(
            SMS_BACKEND="notifications.backends.sms.HttpGatewaySmsBackend",
            SMS_GATEWAY_URL=gateway.url,
        )
        with transaction.atomic():
            notification = notify(
                recipient=user,
                event=Event.SLA_BREACH,
                dedupe_key="sla:9:breach",
                case_reference="BEK-2026-000009",
                link="/cases/9/",
            )
        delivery = notification.deliveries.get()

        # The worker is inside the gateway call, holding the row lock: kill it there.
        assert wait_for(gateway.arrived.is_set)
        worker.kill()
        worker.wait(timeout=10)
        gateway.hold_first.set()

        def unlocked_and_pending():
            with transaction.atomic():
                row = (
                    Delivery.objects.select_for_update(skip_locked=True)
                    .filter(pk=delivery.pk)
                    .first()
                )
                return row is not None and row.status == DeliveryStatus.PENDING

        assert wait_for(unlocked_and_pending)

        # The unacknowledged message would come back after the visibility timeout; the
        # recovery sweep does not wait that long.
        settings.NOTIFICATIONS_REDISPATCH_AFTER = 0
        assert redispatch_pending() == 1
        start_worker(
            SMS_BACKEND="notifications.backends.sms.HttpGatewaySmsBackend",
            SMS_GATEWAY_URL=gateway.url,
        )
        assert wait_for(lambda: Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT)
        # At least once: the gateway saw the killed attempt and the successful one.
        references = [json.loads(r["body"])["reference"] for r in gateway.requests]
        assert references == [str(delivery.pk), str(delivery.pk)]
