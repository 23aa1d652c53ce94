"""Periodic case reviews: started by the daily job once per case and period for open cases
whose last review is older than the risk's interval; the outcome goes on the timeline."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from case_flows.models import CaseEvent, CaseReview, EventKind
from case_flows.reviews.selectors import months_before
from case_flows.reviews.services import case_reviews_start_due
from case_flows.tasks import start_due_case_reviews
from config.celery import app
from tests.steps import allocate, open_task


@pytest.fixture
def allocated(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    new_case.refresh_from_db()
    return new_case


def review_tasks(case):
    from viewflow.workflow.models import Task

    from case_flows.flows import CaseFlow

    return Task.objects.filter(process__caseprocess__case=case, flow_task=CaseFlow.review_case)


def test_months_before_clamps_to_the_month_end():
    moment = datetime.datetime(2027, 3, 31, 12, tzinfo=datetime.UTC)
    assert months_before(moment, 1) == datetime.datetime(2027, 2, 28, 12, tzinfo=datetime.UTC)
    assert months_before(moment, 3).date() == datetime.date(2026, 12, 31)


def test_beat_runs_the_job_daily_with_expiry():
    entry = app.conf.beat_schedule["case-flows-start-due-case-reviews"]
    assert entry["task"] == "case_flows.tasks.start_due_case_reviews"
    assert entry["options"]["expires"] > 0


def test_review_is_started_once_per_period(time_machine, client, allocated, supervisor):
    case = allocated  # medium risk: every 3 months
    time_machine.move_to(case.opened_at + datetime.timedelta(days=60), tick=False)
    assert case_reviews_start_due() == 0
    time_machine.move_to(case.opened_at + datetime.timedelta(days=93), tick=False)
    assert start_due_case_reviews() == 1
    assert case_reviews_start_due() == 0  # the same day again: nothing twice
    assert CaseReview.objects.filter(case=case).count() == 1
    task = review_tasks(case).get()
    assert task.owner_id is None and task.owner_permission == "case_flows.approve_case"
    # It waits in the supervisors' queue.
    client.force_login(supervisor)
    assert case.reference in client.get(reverse("inbox") + "?tab=queue").content.decode()
    # An open review blocks a new one, even in a later period.
    time_machine.move_to(case.opened_at + datetime.timedelta(days=200), tick=False)
    assert case_reviews_start_due() == 0


def test_high_risk_cases_are_reviewed_monthly(time_machine, allocated, supervisor):
    case = allocated
    case.risk = "high"
    case.save(update_fields=["risk"])
    time_machine.move_to(case.opened_at + datetime.timedelta(days=32), tick=False)
    assert case_reviews_start_due() == 1


def test_review_outcome_goes_on_the_timeline(time_machine, client, allocated, supervisor):
    case = allocated
    time_machine.move_to(case.opened_at + datetime.timedelta(days=93), tick=False)
    case_reviews_start_due()
    task = open_task(case, "review_case")
    client.force_login(supervisor)
    assert client.get(reverse("task", args=[task.pk])).status_code == 200
    response = client.post(
        reverse("task", args=[task.pk]),
        {"outcome": "revise_plan", "note": "Goals no longer fit; revise with the family"},
    )
    assert response.status_code == 302
    review = CaseReview.objects.get(case=case)
    assert review.outcome == "revise_plan" and review.reviewed_by == supervisor
    event = CaseEvent.objects.get(case=case, kind=EventKind.REVIEW)
    assert event.data["outcome"] == "revise_plan"
    assert event.comment == "Goals no longer fit; revise with the family"
    # The next review falls due an interval after this one, not before.
    time_machine.move_to(timezone.now() + datetime.timedelta(days=40), tick=False)
    assert case_reviews_start_due() == 0
    time_machine.move_to(timezone.now() + datetime.timedelta(days=60), tick=False)
    assert case_reviews_start_due() == 1


def test_closed_cases_are_not_reviewed(time_machine, allocated):
    from case_flows.models import Case, Stage

    Case.objects.filter(pk=allocated.pk).update(stage=Stage.CLOSED)
    time_machine.move_to(allocated.opened_at + datetime.timedelta(days=120), tick=False)
    assert case_reviews_start_due() == 0
