"""The default policy packs: statutory Poland, unverified Ghana drafts, queue clocks."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from tests.factories import make_team
from workflows.sla.models import SlaPolicy
from workflows.sla.seed import seed_sla_policies
from workflows.sla.services import SlaError, sla_clock_open, sla_clock_pause
from workflows.sla.units import ClockKind, PauseReason, PolicyStatus, TargetUnit

pytestmark = pytest.mark.django_db


def _open(office, risk, name, kind=ClockKind.TASK):
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        return sla_clock_open(
            subject=make_team(office),
            office=office,
            team=None,
            owner=None,
            risk=risk,
            category="child_protection",
            kind=kind,
            name=name,
        )


def test_seeding_is_idempotent_and_keeps_admin_edits():
    created = seed_sla_policies()
    assert created == SlaPolicy.objects.count() > 10
    SlaPolicy.objects.filter(key="gh-review").update(order=1)
    call_command("seed_sla_policies")
    assert SlaPolicy.objects.count() == created
    assert SlaPolicy.objects.get(key="gh-review").order == 1


def test_every_seeded_policy_has_a_citation_and_ghana_ships_as_draft():
    seed_sla_policies()
    assert not SlaPolicy.objects.filter(citation="").exists()
    ghana = SlaPolicy.objects.filter(jurisdiction="GH")
    assert ghana.exists() and not ghana.exclude(status=PolicyStatus.DRAFT).exists()
    assert "UNVERIFIED" in ghana.first().citation


def test_ghana_drafts_time_cases_by_risk(office):
    seed_sla_policies()
    high = _open(office, "high", "allocate")
    assert high.policy.target_unit == TargetUnit.HOURS
    assert high.due_at == high.started_at + timedelta(hours=24)
    medium = _open(office, "medium", "assess")
    assert (medium.policy.target_amount, medium.policy.target_unit) == (7, "calendar_days")
    assert _open(office, "high", "review").policy.key == "gh-review-high"
    assert _open(office, "low", "review").policy.key == "gh-review"
    assert _open(office, "low", "plan").policy.target_amount == 14


def test_polish_interview_is_statutory_and_cannot_be_paused(other_office, caseworker):
    seed_sla_policies()
    urgent = _open(other_office, "high", "assess")
    assert (urgent.policy.key, urgent.policy.target_amount) == ("pl-wywiad-pilny", 2)
    normal = _open(other_office, "low", "assess")
    assert normal.policy.target_amount == 14 and normal.policy.statutory
    with pytest.raises(SlaError):
        sla_clock_pause(clock=normal, reason=PauseReason.WAITING_CLIENT, actor=caseworker)
    decision = _open(other_office, "low", "decision", kind=ClockKind.STAGE)
    assert decision.policy.target_unit == TargetUnit.MONTHS
    sla_clock_pause(clock=decision, reason=PauseReason.SUSPENDED_BY_DECISION, actor=caseworker)


def test_unclaimed_queue_clocks_follow_primero(office):
    seed_sla_policies()
    high = _open(office, "high", "assess", kind=ClockKind.UNCLAIMED)
    other = _open(office, "medium", "assess", kind=ClockKind.UNCLAIMED)
    assert high.due_at - high.started_at == timedelta(hours=1)
    assert other.due_at - other.started_at == timedelta(hours=3)
