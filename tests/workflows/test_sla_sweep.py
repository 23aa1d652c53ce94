"""The escalation sweep: ladder order, recipients, exactly-once, constant queries per batch."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from tests.factories import make_office, make_team, make_user
from workflows.sla.calendar import clear_calendar_cache
from workflows.sla.hooks import register_escalation_handler
from workflows.sla.models import SlaClock, SlaEscalation
from workflows.sla.services import sla_clock_open
from workflows.sla.sweep import sla_sweep, sweep_batch
from workflows.sla.units import ClockKind, TargetUnit

from .sla_factories import make_policy

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday, Accra = UTC


def open_clocks(count, office, team, owner, *, start=START):
    clocks = []
    with time_machine.travel(start, tick=False):
        for _ in range(count):
            subject = make_team(office)
            clocks.append(
                sla_clock_open(
                    subject=subject,
                    office=office,
                    team=team,
                    owner=owner,
                    risk="high",
                    category="",
                    kind=ClockKind.TASK,
                    name="assess",
                )
            )
    return clocks


@pytest.fixture
def policy(db):
    return make_policy(key="a", target_amount=1, target_unit=TargetUnit.WORKING_DAYS)


@pytest.fixture
def handled():
    received: list[list] = []
    lock = threading.Lock()

    def handler(escalations):
        with lock:
            received.append(list(escalations))

    register_escalation_handler(handler)
    return received


@pytest.mark.django_db
def test_the_default_ladder_warns_breaches_then_reaches_managers(
    policy, office, team, supervisor, caseworker, manager, handled
):
    make_user(Role.MANAGER, make_office())  # a manager of another office is not told
    (clock,) = open_clocks(1, office, team, caseworker)
    due = clock.due_at  # end of Tue 3 March
    with time_machine.travel(clock.warn_at + timedelta(minutes=1), tick=False):
        assert sla_sweep().escalations == 1
    with time_machine.travel(due + timedelta(minutes=1), tick=False):
        assert sla_sweep().escalations == 1
    clock.refresh_from_db()
    assert clock.breached and clock.breached_at == due and clock.priority == 20
    # +2 working days after Tue 3 March: Wed 4, Thu 5 (Fri 6 is Independence Day)
    assert clock.next_step_at == datetime(2026, 3, 5, 23, 59, 59, 999999, tzinfo=UTC)
    with time_machine.travel(clock.next_step_at + timedelta(minutes=1), tick=False):
        assert sla_sweep().escalations == 1
    steps = list(SlaEscalation.objects.filter(clock=clock).order_by("step"))
    assert [(s.key, s.breach, s.recipient_ids) for s in steps] == [
        ("warning", False, [caseworker.pk]),
        ("breach", True, [caseworker.pk, supervisor.pk]),
        ("manager", True, [manager.pk]),
    ]
    clock.refresh_from_db()
    assert (clock.escalation_level, clock.next_step, clock.priority) == (2, None, 30)
    assert [[e.key for e in batch] for batch in handled] == [["warning"], ["breach"], ["manager"]]
    assert handled[1][0].clock.pk == clock.pk


@pytest.mark.django_db
def test_a_late_sweep_takes_every_overdue_step_once_in_order(
    policy, office, team, caseworker, handled
):
    clocks = open_clocks(3, office, team, caseworker)
    with time_machine.travel(START + timedelta(days=30), tick=False):
        assert sla_sweep().escalations == 9
        assert sla_sweep().escalations == 0  # a re-run escalates nothing
    assert SlaEscalation.objects.count() == 9
    assert sum(len(batch) for batch in handled) == 9
    assert all(not c.next_step_at for c in SlaClock.objects.filter(pk__in=[c.pk for c in clocks]))


@pytest.mark.django_db
def test_a_redelivered_step_is_not_escalated_twice(policy, office, team, caseworker, handled):
    (clock,) = open_clocks(1, office, team, caseworker)
    when = clock.due_at + timedelta(minutes=1)
    with time_machine.travel(when, tick=False):
        sla_sweep()
        # simulate a crashed worker's stale view: the clock is put back on step 1
        SlaClock.objects.filter(pk=clock.pk).update(next_step=1, next_step_at=clock.due_at)
        result = sla_sweep()
    assert result.clocks == 1 and result.escalations == 0
    assert SlaEscalation.objects.filter(clock=clock, step=1).count() == 1
    assert sum(len(batch) for batch in handled) == 2


@pytest.mark.django_db
def test_paused_and_stopped_clocks_are_not_swept(policy, office, team, caseworker):
    clocks = open_clocks(2, office, team, caseworker)
    SlaClock.objects.filter(pk=clocks[0].pk).update(status="paused")
    SlaClock.objects.filter(pk=clocks[1].pk).update(status="met")
    with time_machine.travel(START + timedelta(days=30), tick=False):
        assert sla_sweep().escalations == 0


def _count_batch_queries(count, office, team, owner):
    open_clocks(count, office, team, owner)
    clear_calendar_cache()
    with time_machine.travel(START + timedelta(days=2), tick=False):
        with CaptureQueriesContext(connection) as queries:
            clocks, escalations = sweep_batch(now=START + timedelta(days=2), batch_size=1000)
    assert clocks == escalations == count
    return len(queries)


@pytest.mark.django_db
def test_queries_per_batch_do_not_grow_with_the_number_due(
    policy, office, team, caseworker, django_assert_num_queries
):
    ten = _count_batch_queries(10, office, team, caseworker)
    SlaClock.objects.all().delete()
    hundred = _count_batch_queries(100, office, team, caseworker)
    assert ten == hundred
    SlaClock.objects.all().delete()
    open_clocks(5, office, team, caseworker)
    # select due, ladders, 3 calendar queries (cold cache), supervisors, managers,
    # insert ... on conflict do nothing returning, bulk update, plus the savepoint pair
    clear_calendar_cache()
    with django_assert_num_queries(11):
        sweep_batch(now=START + timedelta(days=2), batch_size=1000)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweepers_escalate_each_step_exactly_once(handled):
    office = make_office()
    supervisor = make_user(Role.SUPERVISOR, office)
    team = make_team(office, supervisor=supervisor)
    owner = make_user(Role.CASEWORKER, office, team)
    make_policy(key="c", target_amount=1, target_unit=TargetUnit.WORKING_DAYS)
    open_clocks(120, office, team, owner)
    now = START + timedelta(days=30)
    barrier = threading.Barrier(2)
    errors = []

    def sweeper():
        try:
            barrier.wait()
            sla_sweep(now=now, batch_size=7)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert SlaEscalation.objects.count() == 360
    delivered = [(e.clock_id, e.step) for batch in handled for e in batch]
    assert len(delivered) == len(set(delivered)) == 360
    assert not SlaClock.objects.filter(next_step__isnull=False).exists()
