"""Opening, stopping, pausing, resuming, re-targeting and reassigning SLA clocks."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Role
from tests.factories import make_team, make_user
from workflows.sla.models import SlaClock, SlaPolicy
from workflows.sla.services import (
    SlaError,
    policy_match,
    sla_clock_open,
    sla_clock_pause,
    sla_clock_resume,
    sla_clock_stop,
    sla_clocks_reassign,
    sla_clocks_retarget,
    sla_policy_revise,
)
from workflows.sla.sweep import sla_sweep
from workflows.sla.units import ClockKind, ClockStatus, PauseReason, PolicyStatus, TargetUnit

from .sla_factories import make_policy

pytestmark = pytest.mark.django_db
ACCRA = ZoneInfo("Africa/Accra")
WARSAW = ZoneInfo("Europe/Warsaw")


def eod(day: str, tz=ACCRA) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=tz) + timedelta(days=1, microseconds=-1)


def open_clock(subject, office, team=None, owner=None, risk="medium", name="assess", **kw):
    return sla_clock_open(
        subject=subject,
        office=office,
        team=team,
        owner=owner,
        risk=risk,
        category=kw.pop("category", "child_protection"),
        kind=kw.pop("kind", ClockKind.TASK),
        name=name,
        **kw,
    )


@pytest.fixture
def ghana_policies(office):
    high = make_policy(key="gh-high", risk="high", order=10, target_amount=1)
    other = make_policy(key="gh-any", order=20, target_amount=5)
    return high, other


def test_no_matching_policy_opens_no_clock(office, team):
    assert open_clock(team, office, name="nothing-times-this") is None


@time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False)
def test_first_matching_policy_by_order_sets_due_in_its_own_unit(ghana_policies, office, team):
    clock = open_clock(team, office, risk="high")
    assert clock.policy == ghana_policies[0]
    assert clock.due_at == eod("2026-03-03")
    # 75% of the way to the deadline
    assert clock.warn_at == clock.started_at + (clock.due_at - clock.started_at) * 0.75
    assert (clock.next_step, clock.next_step_at) == (0, clock.warn_at)
    other = open_clock(make_team(office), office, risk="low", category="poverty")
    assert other.policy == ghana_policies[1]


def test_opening_twice_returns_the_open_clock(ghana_policies, office, team):
    first = open_clock(team, office)
    assert open_clock(team, office) == first
    assert SlaClock.objects.count() == 1


def test_drafts_apply_unless_switched_off(office, settings):
    draft = make_policy(key="draft", status=PolicyStatus.DRAFT)
    args = dict(office=office, category="", risk="", kind=ClockKind.TASK, name="assess")
    assert policy_match(**args) == draft
    settings.SLA_DRAFT_POLICIES_APPLY = False
    assert policy_match(**args) is None


def test_policies_outside_their_scope_or_dates_do_not_match(office, other_office):
    make_policy(key="pl-only", jurisdiction="PL")
    make_policy(key="expired", effective_to=datetime(2021, 1, 1).date())
    make_policy(key="other-office", office=other_office)
    make_policy(key="gbv", category="gbv")
    args = dict(category="child_protection", risk="", kind=ClockKind.TASK, name="assess")
    assert policy_match(office=office, **args) is None
    assert policy_match(office=other_office, **args).key == "pl-only"


def test_stop_marks_met_and_a_late_stop_stays_breached(ghana_policies, office, team, caseworker):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        clock = open_clock(team, office, owner=caseworker)
    with time_machine.travel(datetime(2026, 3, 20, 9, 0, tzinfo=UTC), tick=False):
        sla_sweep()
        assert sla_clock_stop(task=None, subject=team, kind=ClockKind.TASK) == 1
    clock.refresh_from_db()
    assert clock.status == ClockStatus.MET and clock.breached
    assert clock.next_step_at is None
    assert sla_clock_stop(clock=clock) == 0


def test_stop_refuses_an_unknown_outcome(ghana_policies, office, team):
    clock = open_clock(team, office)
    with pytest.raises(SlaError):
        sla_clock_stop(clock=clock, outcome="won")


def test_pause_and_resume_moves_the_deadline_by_the_days_excluded(office, team, caseworker):
    make_policy(
        key="p",
        target_amount=5,
        target_unit=TargetUnit.CALENDAR_DAYS,
        pausable=True,
        pause_reasons=[PauseReason.WAITING_CLIENT],
    )
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        clock = open_clock(team, office)
        assert clock.due_at == eod("2026-03-07")
    with time_machine.travel(datetime(2026, 3, 3, 9, 0, tzinfo=UTC), tick=False):
        clock = sla_clock_pause(
            clock=clock, reason=PauseReason.WAITING_CLIENT, actor=caseworker, comment="away"
        )
        assert clock.status == ClockStatus.PAUSED
    with time_machine.travel(datetime(2026, 3, 6, 9, 0, tzinfo=UTC), tick=False):
        # a paused clock is not escalated
        assert sla_sweep().escalations == 0
        clock = sla_clock_resume(clock=clock, actor=caseworker)
    # paused 3 Mar -> 6 Mar excludes 4, 5 and 6 March
    assert clock.due_at == eod("2026-03-10")
    assert clock.paused_total == timedelta(days=3)
    assert clock.status == ClockStatus.RUNNING
    assert clock.next_step_at == clock.warn_at > datetime(2026, 3, 6, 9, 0, tzinfo=UTC)


def test_pausing_an_hours_clock_adds_the_exact_paused_time(office, team, caseworker):
    make_policy(
        key="h",
        target_amount=3,
        target_unit=TargetUnit.HOURS,
        pausable=True,
        pause_reasons=[PauseReason.WAITING_EXTERNAL_PROVIDER],
    )
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        clock = open_clock(team, office)
        sla_clock_pause(clock=clock, reason="waiting_external_provider", actor=caseworker)
    with time_machine.travel(start + timedelta(minutes=90), tick=False):
        clock = sla_clock_resume(clock=clock, actor=caseworker)
    assert clock.due_at == start + timedelta(hours=4, minutes=30)


def test_a_statutory_deadline_refuses_pause_and_nothing_changes(other_office, caseworker):
    policy = make_policy(key="pl", jurisdiction="PL", statutory=True, target_amount=14)
    team = make_team(other_office)
    clock = open_clock(team, other_office)
    before = SlaClock.objects.get(pk=clock.pk)
    with pytest.raises(SlaError, match="set by statute"):
        sla_clock_pause(clock=clock, reason=PauseReason.WAITING_CLIENT, actor=caseworker)
    after = SlaClock.objects.get(pk=clock.pk)
    assert (after.status, after.due_at, after.pauses.count()) == (
        ClockStatus.RUNNING,
        before.due_at,
        0,
    )
    assert policy.statutory


def test_a_statutory_policy_may_list_only_statutory_exclusions():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        make_policy(
            key="bad",
            statutory=True,
            pausable=True,
            pause_reasons=[PauseReason.WAITING_EXTERNAL_PROVIDER],
        )


def test_kpa_suspension_may_pause_a_statutory_decision_deadline(other_office, caseworker):
    make_policy(
        key="kpa",
        jurisdiction="PL",
        statutory=True,
        kind=ClockKind.STAGE,
        node_name="decision",
        target_amount=1,
        target_unit=TargetUnit.MONTHS,
        pausable=True,
        pause_reasons=[PauseReason.SUSPENDED_BY_DECISION],
    )
    team = make_team(other_office)
    clock = open_clock(team, other_office, kind=ClockKind.STAGE, name="decision")
    with pytest.raises(SlaError):
        sla_clock_pause(clock=clock, reason=PauseReason.WAITING_CLIENT, actor=caseworker)
    paused = sla_clock_pause(
        clock=clock, reason=PauseReason.SUSPENDED_BY_DECISION, actor=caseworker
    )
    assert paused.status == ClockStatus.PAUSED
    with pytest.raises(SlaError, match="running"):
        sla_clock_pause(clock=clock, reason=PauseReason.SUSPENDED_BY_DECISION, actor=caseworker)


def test_retarget_keeps_time_spent_and_does_not_restart(ghana_policies, office, team):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday
    with time_machine.travel(start, tick=False):
        clock = open_clock(team, office, risk="medium")
    assert clock.due_at == eod("2026-03-10")  # 5 WD, Fri 6 March is a holiday
    with time_machine.travel(start + timedelta(hours=20), tick=False):
        assert sla_clocks_retarget(subject=team, risk="high") == 1
    clock.refresh_from_db()
    # 1 WD counted from the original start, not from the risk change
    assert clock.policy == ghana_policies[0]
    assert clock.due_at == eod("2026-03-03")
    assert clock.risk == "high"


def test_retarget_never_extends_a_breached_clock(ghana_policies, office, team):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        clock = open_clock(team, office, risk="high")
    with time_machine.travel(start + timedelta(days=2), tick=False):
        sla_sweep()
        clock.refresh_from_db()
        assert clock.breached
        sla_clocks_retarget(subject=team, risk="low")
    clock.refresh_from_db()
    assert clock.due_at == eod("2026-03-03")
    assert clock.breached


def test_reassign_keeps_owner_and_team_current(ghana_policies, office, team, caseworker):
    clock = open_clock(team, office, owner=None, team=team)
    other = make_user(Role.CASEWORKER, office)
    assert sla_clocks_reassign(subject=team, owner=other) == 1
    clock.refresh_from_db()
    assert (clock.owner, clock.team) == (other, team)
    assert sla_clocks_reassign(subject=team) == 0


def test_revising_a_policy_in_use_creates_a_new_version(ghana_policies, office, team):
    high, other = ghana_policies
    clock = open_clock(team, office, risk="low")
    revised = sla_policy_revise(policy=other, changes={"target_amount": 10})
    assert revised.pk != other.pk and revised.version == 2
    other.refresh_from_db()
    assert other.target_amount == 5 and not other.is_current
    clock.refresh_from_db()
    assert clock.policy_id == other.pk
    # a policy no clock uses is edited in place
    same = sla_policy_revise(policy=high, changes={"target_amount": 2})
    assert same.pk == high.pk
    # ordering changes never fork a version
    assert sla_policy_revise(policy=revised, changes={"order": 5}).pk == revised.pk
    assert SlaPolicy.objects.filter(key=other.key).count() == 2
    with pytest.raises(SlaError):
        sla_policy_revise(policy=other, changes={"target_amount": 11})


def test_unclaimed_clock_for_a_queue_task(office, team):
    make_policy(
        key="q-high",
        kind=ClockKind.UNCLAIMED,
        node_name="",
        risk="high",
        target_amount=1,
        target_unit=TargetUnit.HOURS,
    )
    make_policy(
        key="q",
        kind=ClockKind.UNCLAIMED,
        node_name="",
        target_amount=3,
        target_unit=TargetUnit.HOURS,
        order=200,
    )
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        high = open_clock(team, office, team=team, risk="high", kind=ClockKind.UNCLAIMED)
        low = open_clock(make_team(office), office, risk="low", kind=ClockKind.UNCLAIMED)
    assert high.due_at == start + timedelta(hours=1)
    assert low.due_at == start + timedelta(hours=3)
    assert sla_clock_stop(subject=team, kind=ClockKind.UNCLAIMED) == 1


def test_a_late_stop_is_breached_even_without_a_sweep(ghana_policies, office, team, caseworker):
    """Compliance counts met-late as breached even if no sweep ran after the deadline."""
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        clock = open_clock(team, office, owner=caseworker)
    with time_machine.travel(datetime(2026, 3, 20, 9, 0, tzinfo=UTC), tick=False):
        assert sla_clock_stop(clock=clock) == 1  # no sweep in between
    clock.refresh_from_db()
    assert clock.status == ClockStatus.MET and clock.breached
    assert clock.breached_at == clock.due_at


def test_an_on_time_stop_is_not_breached(ghana_policies, office, team, caseworker):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        clock = open_clock(team, office, owner=caseworker)
        sla_clock_stop(clock=clock)
    clock.refresh_from_db()
    assert clock.status == ClockStatus.MET and not clock.breached
