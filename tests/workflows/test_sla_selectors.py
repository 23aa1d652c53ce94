"""A subject's clocks with history, and "due in" texts in the policy's own unit."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import Role
from tests.factories import make_office, make_team, make_user
from workflows.sla.selectors import clocks_for_subject, format_due, format_duration
from workflows.sla.services import sla_clock_open, sla_clock_pause, sla_clock_stop
from workflows.sla.sweep import sla_sweep
from workflows.sla.units import ClockKind, PauseReason, PolicyStatus, TargetUnit

from .sla_factories import make_policy

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.workflows.urls")]
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday


def _open(subject, office, owner=None, team=None, name="assess"):
    with time_machine.travel(START, tick=False):
        return sla_clock_open(
            subject=subject,
            office=office,
            team=team,
            owner=owner,
            risk="",
            category="",
            kind=ClockKind.TASK,
            name=name,
        )


def test_due_texts_use_the_policy_unit(office, team):
    make_policy(key="wd", target_amount=3)  # Mon + 3 WD = Thu (Fri 6 March is a holiday)
    make_policy(key="h", node_name="allocate", target_amount=5, target_unit=TargetUnit.HOURS)
    make_policy(key="m", node_name="review", target_amount=3, target_unit=TargetUnit.MONTHS)
    wd, hours, months = (_open(team, office, name=n) for n in ("assess", "allocate", "review"))
    assert format_due(wd, now=START) == "due in 3 working days"
    assert format_due(wd, now=START + timedelta(days=3)) == "due today"
    assert format_due(wd, now=START + timedelta(days=8)) == "overdue by 2 working days"
    assert format_due(hours, now=START + timedelta(minutes=30)) == "due in 4 hours"
    assert format_due(hours, now=START + timedelta(hours=6, minutes=1)) == "overdue by 1 hour"
    assert format_due(months, now=START) == "due in 3 months"
    assert format_due(months, now=START + timedelta(days=80)) == "due in 12 days"
    with translation.override("pl"):
        assert format_due(wd, now=START) != ""


def test_an_hours_target_is_told_in_the_largest_whole_unit(office, team):
    make_policy(key="h", node_name="allocate", target_amount=24, target_unit=TargetUnit.HOURS)
    clock = _open(team, office, name="allocate")  # due START + 24 h
    due = START + timedelta(hours=24)
    assert format_due(clock, now=due - timedelta(minutes=35)) == "due in 35 minutes"
    assert format_due(clock, now=due - timedelta(seconds=20)) == "due in less than a minute"
    assert format_due(clock, now=due + timedelta(minutes=1)) == "overdue by 1 minute"
    assert format_due(clock, now=due + timedelta(hours=23, minutes=59)) == "overdue by 23 hours"
    assert format_due(clock, now=due + timedelta(hours=30)) == "overdue by 1 day"
    # 1,341 hours late reads in days, never "overdue by 1341 hours".
    assert format_due(clock, now=due + timedelta(hours=1341)) == "overdue by 55 days"
    assert format_due(clock, now=START) == "due in 1 day"
    with translation.override("pl"):
        assert format_due(clock, now=due + timedelta(hours=1341)) == "po terminie o 55 dni"
        assert format_due(clock, now=due + timedelta(hours=22)) == "po terminie o 22 godziny"


def test_format_duration_uses_the_largest_whole_unit():
    assert format_duration(timedelta(days=56, hours=5)) == "56 days"
    assert format_duration(timedelta(hours=1341)) == "55 days"
    assert format_duration(timedelta(hours=1)) == "1 hour"
    assert format_duration(timedelta(minutes=59)) == "59 minutes"
    assert format_duration(timedelta(seconds=10)) == "less than a minute"
    with translation.override("pl"):
        assert format_duration(timedelta(days=22)) == "22 dni"
        assert format_duration(timedelta(hours=2)) == "2 godziny"
        assert format_duration(timedelta(minutes=5)) == "5 minut"


def test_clocks_for_subject_prefetches_history_in_constant_queries(
    office, team, caseworker, django_assert_num_queries
):
    make_policy(key="p", pausable=True, pause_reasons=[PauseReason.WAITING_CLIENT])
    make_policy(key="q", node_name="plan")
    clock = _open(team, office, owner=caseworker, team=team)
    _open(team, office, owner=caseworker, team=team, name="plan")
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        sla_clock_pause(clock=clock, reason=PauseReason.WAITING_CLIENT, actor=caseworker)
    with django_assert_num_queries(3):
        clocks = clocks_for_subject(team)
        assert [len(c.pauses.all()) for c in clocks] == [0, 1]
        assert [c.policy.key for c in clocks] == ["q", "p"]


def test_clocks_outside_the_users_scope_are_hidden(office, team, caseworker):
    make_policy(key="p")
    _open(team, office, owner=caseworker, team=team)
    stranger = make_user(Role.CASEWORKER, make_office())
    assert len(clocks_for_subject(team, user=caseworker)) == 1
    assert clocks_for_subject(team, user=stranger) == []


def test_panel_shows_history_unverified_label_and_only_allowed_pause(office, team, caseworker):
    make_policy(
        key="p",
        status=PolicyStatus.DRAFT,
        name="First response",
        pausable=True,
        pause_reasons=[PauseReason.WAITING_CLIENT],
    )
    make_policy(key="s", node_name="plan", name="Statutory plan", statutory=True)
    clock = _open(team, office, owner=caseworker, team=team)
    _open(team, office, owner=caseworker, team=team, name="plan")
    with time_machine.travel(clock.warn_at + timedelta(minutes=1), tick=False):
        sla_sweep()
        html = render_to_string(
            "workflows/sla/_clock_panel.html", {"clocks": clocks_for_subject(team)}
        )
    assert "unverified" in html and "Warning sent on" in html
    assert html.count('class="sla-pause"') == 1
    assert "Waiting for the client" in html and "Waiting for an external provider" not in html


def test_met_and_cancelled_texts(office, team):
    make_policy(key="p")
    clock = _open(team, office)
    sla_clock_stop(clock=clock, outcome="cancelled")
    clock.refresh_from_db()
    assert format_due(clock) == "cancelled"
    assert make_team(office)
