"""Pausing and resuming a deadline from the case page."""

from datetime import UTC, datetime

import pytest
import time_machine

from accounts.models import Role
from tests.factories import make_office, make_user
from workflows.sla.models import SlaClock
from workflows.sla.services import sla_clock_open
from workflows.sla.units import ClockKind, ClockStatus, PauseReason

from .sla_factories import make_policy

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.workflows.urls")]


@pytest.fixture
def clock(office, team, caseworker):
    make_policy(key="p", pausable=True, pause_reasons=[PauseReason.WAITING_CLIENT])
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        return sla_clock_open(
            subject=team,
            office=office,
            team=team,
            owner=caseworker,
            risk="",
            category="",
            kind=ClockKind.TASK,
            name="assess",
        )


def test_caseworker_pauses_and_resumes_their_deadline(client, clock, caseworker):
    client.force_login(caseworker)
    response = client.post(
        f"/workflows/sla/clocks/{clock.pk}/pause/",
        {"reason": PauseReason.WAITING_CLIENT, "comment": "client abroad", "next": "/"},
    )
    assert response.status_code == 302
    clock.refresh_from_db()
    assert clock.status == ClockStatus.PAUSED
    assert clock.pauses.get().comment == "client abroad"
    client.post(f"/workflows/sla/clocks/{clock.pk}/resume/", {"next": "/"})
    clock.refresh_from_db()
    assert clock.status == ClockStatus.RUNNING


def test_a_reason_the_policy_does_not_allow_is_refused(client, clock, caseworker):
    client.force_login(caseworker)
    response = client.post(
        f"/workflows/sla/clocks/{clock.pk}/pause/",
        {"reason": PauseReason.WAITING_EXTERNAL_PROVIDER},
        follow=True,
    )
    assert "cannot be paused" in response.content.decode()
    assert SlaClock.objects.get(pk=clock.pk).status == ClockStatus.RUNNING


def test_someone_outside_the_scope_gets_404(client, clock):
    client.force_login(make_user(Role.CASEWORKER, make_office()))
    response = client.post(
        f"/workflows/sla/clocks/{clock.pk}/pause/", {"reason": PauseReason.WAITING_CLIENT}
    )
    assert response.status_code == 404
    assert client.get(f"/workflows/sla/clocks/{clock.pk}/pause/").status_code == 405
