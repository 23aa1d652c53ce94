"""Deadlines wired into the case pipeline: clocks open with tasks, the inbox shows them, a
missed deadline escalates by itself (notifications, overdue flag, timeline, manager review)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

import case_flows.cases.services as case_services
import case_flows.work.services as work_services
from case_flows.models import CaseEvent, EventKind
from notifications.models import Notification
from tests.steps import allocate, complete_intake, open_task
from workflows.sla.models import SlaClock, SlaEscalation
from workflows.sla.seed import seed_sla_policies
from workflows.sla.sweep import sla_sweep


@pytest.fixture(autouse=True)
def policies(db):
    seed_sla_policies()


def clocks(case, **kwargs):
    return SlaClock.objects.filter(subject_id=case.pk, **kwargs)


def test_new_intake_starts_first_response_and_queue_clocks(new_case):
    allocate_task = open_task(new_case, "allocate")
    names = set(clocks(new_case, task=allocate_task).values_list("kind", "name"))
    assert names == {("task", "allocate"), ("unclaimed", "allocate")}
    # Ghana draft policy, medium risk: first response within 3 calendar days.
    first = clocks(new_case, task=allocate_task, kind="task").get()
    assert first.policy.target_unit == "calendar_days" and first.policy.target_amount == 3


def test_completing_the_task_meets_its_clocks(new_case, supervisor, caseworker):
    allocate_task = open_task(new_case, "allocate")
    allocate(new_case, supervisor, caseworker)
    assert set(clocks(new_case, task=allocate_task).values_list("status", flat=True)) == {"met"}


def test_inbox_shows_due_in_the_policys_unit(client, new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    client.force_login(caseworker)
    body = client.get(reverse("inbox")).content.decode()
    assert "due in" in body and "day" in body


def test_missed_deadline_escalates_once_and_reaches_the_manager(
    time_machine, client, new_case, supervisor, caseworker, manager
):
    time_machine.move_to(timezone.now(), tick=False)
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    assess_clock = clocks(new_case, kind="task", name="assess").get()
    # Past the warning, the breach and breach + 2 working days: the whole ladder.
    time_machine.move_to(assess_clock.due_at + datetime.timedelta(days=6))
    sla_sweep()
    sla_sweep()  # a re-run escalates nothing twice
    steps = list(
        SlaEscalation.objects.filter(clock=assess_clock)
        .order_by("step")
        .values_list("key", flat=True)
    )
    assert steps == ["warning", "breach", "manager"]
    new_case.refresh_from_db()
    assert new_case.is_overdue
    # Notifications: the caseworker is told of the breach (the warning came too late to be
    # worth sending: the sweep reached it after the deadline), the supervisor of the breach,
    # the manager of the escalation; each exactly once.
    events = sorted(
        Notification.objects.filter(
            case_reference=new_case.reference, event__startswith="sla_"
        ).values_list("recipient__username", "event")
    )
    assert ("cw", "sla_warning") not in events and ("cw", "sla_breach") in events
    assert ("sup", "sla_breach") in events and ("mgr", "sla_escalation") in events
    assert len(events) == len(set(events))
    assert CaseEvent.objects.filter(case=new_case, kind=EventKind.SLA).count() == 3
    # The manager finds a review task in their queue and records the review.
    review = open_task(new_case, "review_overdue")
    assert review.owner_id is None
    client.force_login(manager)
    queue = client.get(reverse("inbox") + "?tab=queue").content.decode()
    assert new_case.reference in queue
    response = client.post(reverse("task", args=[review.pk]), {"note": "Spoke to the caseworker"})
    assert response.status_code == 302
    assert CaseEvent.objects.filter(case=new_case, comment="Spoke to the caseworker").exists()
    # Finishing the overdue work clears the flag.
    work_services.assessment_submit(
        task=open_task(new_case, "assess"),
        actor=caseworker,
        needs={},
        strengths="x",
        risk_decided="medium",
    )
    new_case.refresh_from_db()
    assert not new_case.is_overdue


def test_risk_change_retargets_without_restarting(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    clock = clocks(new_case, kind="task", name="assess").get()
    started, due_medium = clock.started_at, clock.due_at
    case_services.case_change_risk(
        case=new_case, actor=supervisor, risk="high", comment="New facts"
    )
    clock.refresh_from_db()
    assert clock.started_at == started
    assert clock.due_at < due_medium  # high risk: assessment within 3 days, not 7


def test_case_page_shows_the_deadlines(client, new_case, supervisor):
    client.force_login(supervisor)
    body = client.get(reverse("case_detail", args=[new_case.pk])).content.decode()
    assert "Deadlines" in body and "First response" in body
