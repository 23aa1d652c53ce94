"""Follow-up schedules: the follow_up task's deadline is the risk's interval, a missed
follow-up escalates through the SLA sweep, a risk change re-targets it, and an administrator's
schedule edit reaches the SLA policy."""

import datetime

import pytest
from django.utils import timezone

import case_flows.cases.services as case_services
import case_flows.referrals.services as referral_services
import case_flows.work.services as work_services
from case_flows.models import FollowUpSchedulePolicy
from case_flows.reviews.services import follow_up_schedule_update
from notifications.models import Notification
from tests.steps import (
    allocate,
    approve,
    complete_intake,
    open_task,
    submit_assessment,
    submit_plan,
)
from workflows.sla.models import SlaClock, SlaEscalation, SlaPolicy
from workflows.sla.seed import seed_sla_policies
from workflows.sla.services import sla_clock_pause
from workflows.sla.sweep import sla_sweep


@pytest.fixture(autouse=True)
def policies(db):
    seed_sla_policies()


def to_follow_up(case, supervisor, caseworker, risk="medium"):
    allocate(case, supervisor, caseworker)
    complete_intake(case, caseworker)
    submit_assessment(case, caseworker, risk=risk)
    approve(case, "approve_assessment", supervisor)
    submit_plan(case, caseworker)
    approve(case, "approve_plan", supervisor)
    referral_services.referrals_arrange(
        task=open_task(case, "arrange_referrals"), actor=caseworker, referrals=[], none_needed=True
    )
    case.refresh_from_db()
    return case


def follow_up_clock(case):
    return SlaClock.objects.get(
        task=open_task(case, "follow_up"), kind="task", status__in=["running", "paused"]
    )


def days_allowed(clock, start=None) -> int:
    """Calendar-day deadlines end at the end of the day, office time (Accra: UTC)."""
    return (clock.due_at.date() - (start or clock.started_at).date()).days


def test_default_schedule_is_seeded():
    schedule = {p.risk: (p.interval, p.unit) for p in FollowUpSchedulePolicy.objects.all()}
    assert schedule == {
        "high": (7, "calendar_days"),
        "medium": (14, "calendar_days"),
        "low": (1, "months"),
    }


@pytest.mark.parametrize(("risk", "days"), [("high", 7), ("medium", 14)])
def test_follow_up_task_is_due_after_the_risks_interval(
    time_machine, new_case, supervisor, caseworker, risk, days
):
    time_machine.move_to(timezone.now(), tick=False)
    case = to_follow_up(new_case, supervisor, caseworker, risk=risk)
    clock = follow_up_clock(case)
    assert clock.policy.key == f"follow-up-{risk}"
    assert days_allowed(clock) == days


def test_each_follow_up_schedules_the_next(time_machine, new_case, supervisor, caseworker):
    time_machine.move_to(timezone.now(), tick=False)
    case = to_follow_up(new_case, supervisor, caseworker)
    first = follow_up_clock(case)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=3))
    work_services.follow_up_record(
        task=open_task(case, "follow_up"),
        actor=caseworker,
        date=timezone.localdate(),
        mode="visit",
        notes="Attending school",
        progress={},
    )
    first.refresh_from_db()
    assert first.status == "met"
    second = follow_up_clock(case)
    assert second.pk != first.pk
    assert days_allowed(second) == 14 and second.started_at == timezone.now()


def test_missed_follow_up_escalates(time_machine, new_case, supervisor, caseworker, manager):
    time_machine.move_to(timezone.now(), tick=False)
    case = to_follow_up(new_case, supervisor, caseworker, risk="high")
    clock = follow_up_clock(case)
    time_machine.move_to(clock.due_at - datetime.timedelta(hours=1))
    sla_sweep()
    assert list(SlaEscalation.objects.filter(clock=clock).values_list("key", flat=True)) == [
        "warning"
    ]
    time_machine.move_to(clock.due_at + datetime.timedelta(hours=1))
    sla_sweep()
    sla_sweep()
    keys = list(
        SlaEscalation.objects.filter(clock=clock).order_by("step").values_list("key", flat=True)
    )
    assert keys == ["warning", "breach"]
    case.refresh_from_db()
    assert case.is_overdue
    breach = Notification.objects.filter(event="sla_breach", case_reference=case.reference)
    assert set(breach.values_list("recipient__username", flat=True)) == {"cw", "sup"}


def test_risk_change_regenerates_the_schedule(time_machine, new_case, supervisor, caseworker):
    time_machine.move_to(timezone.now(), tick=False)
    case = to_follow_up(new_case, supervisor, caseworker, risk="low")
    clock = follow_up_clock(case)
    assert clock.policy.key == "follow-up-low"
    started = clock.started_at
    time_machine.move_to(timezone.now() + datetime.timedelta(days=2))
    case_services.case_change_risk(case=case, actor=caseworker, risk="high", comment="Violence")
    clock.refresh_from_db()
    assert clock.policy.key == "follow-up-high" and clock.risk == "high"
    assert clock.started_at == started  # time already spent counts
    assert days_allowed(clock, started) == 7


def test_administrator_edit_reaches_the_sla_policy(time_machine, new_case, supervisor, caseworker):
    time_machine.move_to(timezone.now(), tick=False)
    high = FollowUpSchedulePolicy.objects.get(risk="high")
    follow_up_schedule_update(policy=high, actor=None, interval=5, unit="calendar_days")
    current = SlaPolicy.objects.get(key="follow-up-high", is_current=True)
    assert (current.target_amount, current.target_unit) == (5, "calendar_days")
    case = to_follow_up(new_case, supervisor, caseworker, risk="high")
    clock = follow_up_clock(case)
    assert days_allowed(clock) == 5
    # Once a clock uses it, an edit makes a new version; the running clock keeps its own.
    follow_up_schedule_update(policy=high, actor=None, interval=10, unit="calendar_days")
    versions = SlaPolicy.objects.filter(key="follow-up-high").count()
    assert versions == 2
    clock.refresh_from_db()
    assert days_allowed(clock) == 5


def test_waiting_on_an_external_provider_pauses_the_follow_up(new_case, supervisor, caseworker):
    case = to_follow_up(new_case, supervisor, caseworker)
    clock = sla_clock_pause(
        clock=follow_up_clock(case),
        reason="waiting_external_provider",
        actor=caseworker,
        comment="Waiting for the shelter's answer",
    )
    assert clock.status == "paused"
