"""The sweep through a real Celery worker and beat on Redis: each step escalates once."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Role
from config.celery import app
from tests.factories import make_office, make_team, make_user
from workflows.sla.models import SlaClock, SlaEscalation
from workflows.sla.services import sla_clock_open
from workflows.sla.units import ClockKind, TargetUnit

from .sla_factories import make_policy

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def _wait_for(condition, timeout=90.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)  # polling the database, not an assertion
    raise AssertionError(f"timed out waiting for {what}")


def _open_overdue_clock(office, team, owner):
    return sla_clock_open(
        subject=make_team(office),
        office=office,
        team=team,
        owner=owner,
        risk="",
        category="",
        kind=ClockKind.TASK,
        name="assess",
        started_at=timezone.now() - timedelta(days=30),
    )


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_and_beat_escalate_each_step_exactly_once(tmp_path):
    office = make_office()
    supervisor = make_user(Role.SUPERVISOR, office)
    team = make_team(office, supervisor=supervisor)
    owner = make_user(Role.CASEWORKER, office, team)
    make_user(Role.MANAGER, office)
    make_policy(key="w", target_amount=1, target_unit=TargetUnit.WORKING_DAYS)
    first = _open_overdue_clock(office, team, owner)

    db = settings.DATABASES["default"]
    log = tmp_path / "handled.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/"
            f"{db['NAME']}"
        ),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "SLA_SWEEP_INTERVAL_SECONDS": "1",
        "SLA_ESCALATION_HANDLERS": "tests.workflows.celery_handler.record",
        "SLA_TEST_HANDLER_LOG": str(log),
        "SLA_SWEEP_BATCH_SIZE": "1",
    }
    app.control.purge()
    # the same sweep task delivered twice, before any worker runs: a redelivery
    for _ in range(2):
        app.send_task("workflows.tasks.sla_sweep", task_id="sla-sweep-redelivered")

    def spawn(*args):
        return subprocess.Popen(
            [CELERY, "-A", "config", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    processes = []
    try:
        for name in ("w1", "w2"):
            processes.append(spawn("worker", "-n", f"{name}@%h", "--pool", "solo", "-l", "info"))
        processes.append(spawn("beat", "-l", "info", "-s", str(tmp_path / "beat-schedule")))
        _wait_for(
            lambda: SlaEscalation.objects.filter(clock=first).count() == 3,
            what="the first clock's three steps",
        )
        # later sweeps run over an already-escalated clock, then take a new one
        second = _open_overdue_clock(office, team, owner)
        _wait_for(
            lambda: not SlaClock.objects.filter(pk=second.pk, next_step__isnull=False).exists(),
            what="the second clock's steps",
        )
        _wait_for(lambda: len(log.read_text().splitlines()) >= 6, what="the handler log")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        app.control.purge()

    handled = log.read_text().splitlines()
    assert sorted(handled) == sorted(
        f"{clock.pk} {step} {key}"
        for clock in (first, second)
        for step, key in enumerate(("warning", "breach", "manager"))
    )
    first.refresh_from_db()
    assert first.breached and first.next_step is None and first.priority == 30
