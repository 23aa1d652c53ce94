"""The sweep never waits for a case row while it holds clock rows: a task completion holds
its case row and then stops that case's clocks, so a sweep waiting for the case would
deadlock with it. A busy case is flagged overdue right after the sweep's batch commits."""

import datetime
import threading
import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from case_flows.models import Case
from tests.steps import allocate, complete_intake
from workflows.sla.models import SlaEscalation
from workflows.sla.seed import seed_sla_policies
from workflows.sla.sweep import sla_sweep

pytestmark = pytest.mark.django_db(transaction=True)


def _connect():
    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
    )


def test_a_sweep_does_not_hold_clocks_while_waiting_for_a_busy_case(
    time_machine, new_case, supervisor, caseworker
):
    seed_sla_policies()
    time_machine.move_to(timezone.now(), tick=False)
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=60), tick=False)

    # A task completion in progress: it holds the case row (as its stage update does, and as
    # every service that locks a case: FOR NO KEY UPDATE)...
    completion = _connect()
    completion.execute(
        "SELECT 1 FROM case_flows_case WHERE id = %s FOR NO KEY UPDATE", [new_case.pk]
    )

    sweep = threading.Thread(target=lambda: (sla_sweep(), connection.close()))
    sweep.start()
    try:
        # ...and the sweep commits its batch meanwhile (its escalations are visible).
        deadline = time.monotonic() + 15
        with _connect() as observer:
            while time.monotonic() < deadline:
                escalated = observer.execute(
                    "SELECT count(*) FROM workflows_slaescalation"
                ).fetchone()[0]
                if escalated:
                    break
                time.sleep(0.05)  # polling another connection, not an assertion on time
        assert escalated, "the sweep waited for the busy case while holding its clocks"
        # The completion now stops the case's clocks: no lock is held by the sweep.
        completion.execute("SET lock_timeout = '5s'")
        completion.execute(
            "SELECT 1 FROM workflows_slaclock WHERE subject_id = %s FOR UPDATE", [new_case.pk]
        )
        completion.commit()
    finally:
        completion.close()
        sweep.join(30)
    assert not sweep.is_alive()
    # The busy case was flagged once the batch had committed.
    assert Case.objects.get(pk=new_case.pk).is_overdue
    assert SlaEscalation.objects.exists()
