"""Two Celery workers on separate processes (and one beat) share the SLA sweep and the
notification outbox: every escalation step and every SMS happens exactly once, even with each
delivery enqueued twice, and each worker does part of the work."""

import json

import pytest
from django.db import transaction

from accounts.models import Role
from config.celery import app
from notifications.dispatch import enqueue_deliveries
from notifications.models import Delivery, DeliveryStatus, Event
from notifications.outbox import NotificationRequest, notify_bulk
from tests.factories import make_office, make_team, make_user
from tests.notifications.test_tasks_worker import _sms_user
from workflows.sla.models import SlaEscalation
from workflows.sla.units import TargetUnit

from .celery_processes import celery_env, celery_start, celery_stop, wait_for
from .sla_factories import make_policy
from .test_tasks import _open_overdue_clock

WORKERS = ("w1", "w2")
CLOCKS = 60  # x 3 steps, one clock per batch: the sweep outlasts beat's 1 s interval
SMS_USERS, SMS_EACH = 4, 10
STEPS = ("warning", "breach", "manager")


def _lines(path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _workers_answering() -> set[str]:
    replies = app.control.ping(timeout=0.5)
    return {name.split("@", 1)[0] for reply in replies for name in reply}


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_two_workers_share_the_sweep_and_the_outbox_without_doing_anything_twice(
    tmp_path, settings
):
    office = make_office()
    supervisor = make_user(Role.SUPERVISOR, office)
    team = make_team(office, supervisor=supervisor)
    owner = make_user(Role.CASEWORKER, office, team)
    make_user(Role.MANAGER, office)
    make_policy(key="w", target_amount=1, target_unit=TargetUnit.WORKING_DAYS)
    sms_users = [_sms_user(office, team, n) for n in range(SMS_USERS)]
    settings.NOTIFICATIONS_BATCH_SIZE = 2  # many small messages for the two workers to share

    # Each worker process writes its own files, so what each one did is on record.
    handled = {name: tmp_path / f"handled-{name}.log" for name in WORKERS}
    sent = {name: tmp_path / f"sms-{name}.jsonl" for name in WORKERS}
    common = {
        "SLA_SWEEP_INTERVAL_SECONDS": "1",
        "SLA_SWEEP_BATCH_SIZE": "1",
        "SLA_ESCALATION_HANDLERS": "tests.workflows.celery_handler.record",
        "SMS_BACKEND": "notifications.backends.sms.FileSmsBackend",
    }
    app.control.purge()
    processes = []
    try:
        for name in WORKERS:
            env = celery_env(
                **common, SLA_TEST_HANDLER_LOG=str(handled[name]), SMS_FILE_PATH=str(sent[name])
            )
            processes.append(
                celery_start(
                    "worker", "-n", f"{name}@%h", "--pool", "solo", "--without-mingle", env=env
                )
            )
        # The backlog arrives once both workers listen, so neither has a head start.
        wait_for(lambda: _workers_answering() >= set(WORKERS), what="both workers")

        clocks = [_open_overdue_clock(office, team, owner) for _ in range(CLOCKS)]
        with transaction.atomic():  # the deliveries are enqueued on commit, two to a message
            notify_bulk(
                [
                    NotificationRequest(
                        recipient_id=user.pk,
                        event=Event.SLA_BREACH,
                        dedupe_key=f"scale-out:{user.pk}:{n}",
                        case_reference=f"BEK-2026-{n:06d}",
                        link=f"/cases/{n}/",
                    )
                    for user in sms_users
                    for n in range(SMS_EACH)
                ]
            )
        deliveries = set(Delivery.objects.values_list("pk", flat=True))
        assert len(deliveries) == SMS_USERS * SMS_EACH
        # Every id once more, last first (as after a redelivery or a re-dispatch): the two
        # workers race for the same rows.
        enqueue_deliveries(sorted(deliveries, reverse=True))
        # Two sweeps at once, as when one run outlasts beat's interval; beat sends the rest.
        for _ in WORKERS:
            app.send_task("workflows.tasks.sla_sweep")
        processes.append(
            celery_start(
                "beat",
                "-l",
                "info",
                "-s",
                str(tmp_path / "beat-schedule"),
                env=celery_env(**common),
            )
        )

        wait_for(
            lambda: (
                SlaEscalation.objects.count() == CLOCKS * len(STEPS)
                and not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists()
            ),
            what="every step escalated and every delivery sent",
        )
    finally:
        celery_stop(processes)
        app.control.purge()

    # Every step handled exactly once, over both workers.
    handled_by = {name: _lines(path) for name, path in handled.items()}
    assert sorted(line for lines in handled_by.values() for line in lines) == sorted(
        f"{clock.pk} {step} {key}" for clock in clocks for step, key in enumerate(STEPS)
    )
    # Every SMS written by the backend exactly once, over both workers.
    sent_by = {
        name: [json.loads(line)["reference"] for line in _lines(path)]
        for name, path in sent.items()
    }
    assert sorted(ref for refs in sent_by.values() for ref in refs) == sorted(
        str(pk) for pk in deliveries
    )
    # Both workers shared both kinds of work.
    assert all(handled_by.values()), {name: len(lines) for name, lines in handled_by.items()}
    assert all(sent_by.values()), {name: len(refs) for name, refs in sent_by.items()}
