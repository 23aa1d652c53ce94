"""The sweep through a real Celery worker and beat on Redis: each step escalates once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from config.celery import app
from tests.factories import make_office, make_team, make_user
from workflows.sla.models import SlaClock, SlaEscalation
from workflows.sla.services import sla_clock_open
from workflows.sla.units import ClockKind, TargetUnit

from .celery_processes import celery_env, celery_start, celery_stop
from .celery_processes import wait_for as _wait_for
from .sla_factories import make_policy


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

    log = tmp_path / "handled.log"
    env = celery_env(
        SLA_SWEEP_INTERVAL_SECONDS="1",
        SLA_ESCALATION_HANDLERS="tests.workflows.celery_handler.record",
        SLA_TEST_HANDLER_LOG=str(log),
        SLA_SWEEP_BATCH_SIZE="1",
    )
    app.control.purge()
    # the same sweep task delivered twice, before any worker runs: a redelivery
    for _ in range(2):
        app.send_task("workflows.tasks.sla_sweep", task_id="sla-sweep-redelivered")

    processes = []
    try:
        for name in ("w1", "w2"):
            processes.append(
                celery_start("worker", "-n", f"{name}@%h", "--pool", "solo", "-l", "info", env=env)
            )
        processes.append(
            celery_start("beat", "-l", "info", "-s", str(tmp_path / "beat-schedule"), env=env)
        )
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
        celery_stop(processes)
        app.control.purge()

    handled = log.read_text().splitlines()
    assert sorted(handled) == sorted(
        f"{clock.pk} {step} {key}"
        for clock in (first, second)
        for step, key in enumerate(("warning", "breach", "manager"))
    )
    first.refresh_from_db()
    assert first.breached and first.next_step is None and first.priority == 30
