"""Outages under load: a worker killed with SIGKILL in the middle of a sweep, the broker gone
while people complete tasks over HTTP, and database connections cut during requests. Each
test prints what it did and what it found; the assertions are on the database."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from accounts.models import Role
from config.celery import app
from notifications.models import Delivery, DeliveryStatus, Notification
from tests.case_flows.test_races import race
from tests.factories import make_office, make_team, make_user
from tests.steps import allocate, complete_intake, open_task
from tests.workflows.sla_factories import make_policy
from tests.workflows.test_tasks import _wait_for
from workflows.sla.models import SlaClock, SlaEscalation
from workflows.sla.seed import seed_sla_policies
from workflows.sla.services import sla_clock_open
from workflows.sla.units import ClockKind, TargetUnit

from .conftest import report
from .test_http_races import _assessment_form, _no_duplicates

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    )


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_sweep_escalates_each_step_once_after_restart(tmp_path):
    office = make_office()
    supervisor = make_user(Role.SUPERVISOR, office)
    team = make_team(office, supervisor=supervisor)
    owner = make_user(Role.CASEWORKER, office, team)
    make_user(Role.MANAGER, office)
    make_policy(key="w", target_amount=1, target_unit=TargetUnit.WORKING_DAYS)
    clocks = [
        sla_clock_open(
            subject=make_team(office),  # one clock per subject, as one per task
            office=office,
            team=team,
            owner=owner,
            risk="",
            category="",
            kind=ClockKind.TASK,
            name="assess",  # the name the policy matches
            started_at=timezone.now() - timedelta(days=30),
        )
        for n in range(60)
    ]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "SLA_ESCALATION_HANDLERS": "tests.faults.slow_handler.slow",
        "SLA_TEST_HANDLER_SLEEP": "0.3",
        "SLA_SWEEP_BATCH_SIZE": "5",
    }

    def worker(name):
        return subprocess.Popen(
            [
                CELERY,
                "-A",
                "config",
                "worker",
                "-n",
                f"{name}@%h",
                "--pool",
                "solo",
                "-l",
                "info",
                "-Q",
                "sweeps,celery",
            ],
            cwd=ROOT,
            env=env,
            stdout=(tmp_path / f"{name}.log").open("w"),
            stderr=subprocess.STDOUT,
        )

    app.control.purge()
    first = worker("doomed")
    second = None
    try:
        app.send_task("workflows.tasks.sla_sweep")
        _wait_for(lambda: SlaEscalation.objects.exists(), what="the sweep to start")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        before = SlaEscalation.objects.count()
        report(f"\nkilled the worker mid-sweep with {before} escalations recorded of {60 * 3}")
        assert before < 60 * 3, "the sweep finished before the kill: nothing was tested"
        second = worker("survivor")

        # Beat's next run: sweep until every step of every clock is done.
        def done():
            if SlaClock.objects.filter(
                pk__in=[c.pk for c in clocks], next_step__isnull=False
            ).exists():
                app.send_task("workflows.tasks.sla_sweep")
                return False
            return True

        _wait_for(done, what="every step of every clock", timeout=240)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        app.control.purge()

    per_step = (
        SlaEscalation.objects.values("clock_id", "step").annotate(n=Count("pk")).filter(n__gt=1)
    )
    assert list(per_step) == []
    assert SlaEscalation.objects.count() == 60 * 3
    notifications = (
        Notification.objects.values("recipient_id", "dedupe_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert list(notifications) == []
    report(f"after the restart: {SlaEscalation.objects.count()} escalations, each step once")


@pytest.mark.django_db(transaction=True)
def test_broker_gone_while_people_complete_tasks_over_http(
    people, settings, office, team, supervisor, caseworker, new_case
):
    seed_sla_policies()
    caseworker.email = "akosua@example.org"
    caseworker.save(update_fields=["email"])
    allocate(new_case, supervisor, caseworker)
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # the broker is gone
    before = Delivery.objects.count()
    cw, sup = people("cw", "sup")
    status, body = cw.post(
        f"/tasks/{open_task(new_case, 'intake').pk}/",
        {
            "source": "walk_in",
            "presenting_concerns": "Child out of school",
            "immediate_safety": "at_risk",
            "consent_to_share": "yes",
        },
    )
    assert status == 302, body[:500]
    status, body = cw.post(f"/tasks/{open_task(new_case, 'assess').pk}/", _assessment_form(1))
    assert status == 302, body[:500]
    approval_task = open_task(new_case, "approve_assessment")
    status, body = sup.post(
        f"/approvals/{approval_task.approval.pk}/", {"decision": "return", "comment": "Add health"}
    )
    assert status == 302, body[:500]
    pending = Delivery.objects.filter(status=DeliveryStatus.PENDING).count()
    report(
        f"\nbroker down: 3 actions succeeded, {Delivery.objects.count() - before}"
        " deliveries waiting"
    )
    assert pending >= 1  # the return told the caseworker: waiting in the outbox

    # The broker is back: the recovery sweep dispatches, a worker delivers each once.
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    settings.NOTIFICATIONS_REDISPATCH_AFTER = 0
    from notifications.tasks import deliver, redispatch_pending

    dispatched = redispatch_pending()
    for delivery_id in list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING).values_list("pk", flat=True)
    ):
        deliver([delivery_id])
    left = Delivery.objects.exclude(status__in=[DeliveryStatus.SENT, "skipped"]).count()
    report(f"broker back: {dispatched} re-dispatched, {left} not delivered")
    assert left == 0
    _no_duplicates()


def _terminate_other_connections(stop: threading.Event, counter: list[int]):
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname=db["NAME"],
        autocommit=True,
    ) as admin:
        own = admin.info.backend_pid
        while not stop.is_set():
            rows = admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> %s AND state <> 'idle'",
                [own],
            ).fetchall()
            counter[0] += len(rows)
            time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
def test_database_connections_cut_during_requests(
    people, office, team, supervisor, caseworker, new_case
):
    seed_sla_policies()
    others = [make_user(Role.CASEWORKER, office, team, username=f"cw{i}") for i in range(5)]
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    from workflows.queue import task_release

    task_release(task=open_task(new_case, "assess"), actor=caseworker)
    task = open_task(new_case, "assess")
    sessions = people(*[u.username for u in others])
    stop, killed = threading.Event(), [0]
    killer = threading.Thread(target=_terminate_other_connections, args=(stop, killed))
    killer.start()
    try:
        results = []
        for _round in range(4):
            results += race(
                *[(lambda s=s: s.get("/inbox/?tab=queue")) for s in sessions],
                *[(lambda s=s: s.post(f"/tasks/{task.pk}/claim/")) for s in sessions],
            )
    finally:
        stop.set()
        killer.join()
    statuses = {}
    for status, _body in results:
        statuses[status] = statuses.get(status, 0) + 1
    report(f"\n{len(results)} requests while {killed[0]} connections were cut: {statuses}")
    # No bare error: every failure is a page that says what happened.
    for status, body in results:
        if status >= 500:
            assert "not saved" in body, body[:300]
    # The next request works, and the state is whole: the task has at most one owner and
    # the assessment step is still open exactly once.
    status, _body = sessions[0].get("/inbox/")
    assert status == 200
    task.refresh_from_db()
    assert task.status in ("NEW", "ASSIGNED")
    _no_duplicates()
