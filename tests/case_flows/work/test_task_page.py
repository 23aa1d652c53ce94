"""The task page: its due date and deadline, and what comes after completing it
(issue #13, item 7)."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

import case_flows.cases.services as case_services
from tests.factories import category, make_person
from tests.steps import allocate, complete_intake, open_task, submit_assessment
from workflows.sla.models import SlaClock
from workflows.sla.seed import seed_sla_policies

from .test_views_tasks import client_for


@pytest.fixture(autouse=True)
def policies(db):
    seed_sla_policies()


def test_the_task_page_shows_the_due_date_and_the_deadline(
    time_machine, new_case, supervisor, caseworker
):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False)
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    task = open_task(new_case, "assess")
    clock = SlaClock.objects.get(task=task, kind="task")
    html = client_for(caseworker).get(reverse("task", args=[task.pk])).content.decode()
    with translation.override("en"):
        due = date_format(
            timezone.localtime(clock.due_at, new_case.office.tzinfo), "DATETIME_FORMAT"
        )
    assert f">{due}</time>" in html
    # A medium-risk assessment under the Ghana draft policy: 7 calendar days.
    assert "due in 7 days" in html
    assert f"deadline: {clock.policy.name}" in html


def test_an_overdue_task_says_so_on_its_page(time_machine, new_case, supervisor, caseworker):
    time_machine.move_to(timezone.now(), tick=False)
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    task = open_task(new_case, "assess")
    clock = SlaClock.objects.get(task=task, kind="task")
    time_machine.move_to(clock.due_at + datetime.timedelta(days=2))
    html = client_for(caseworker).get(reverse("task", args=[task.pk])).content.decode()
    assert '<span class="badge overdue">overdue by 2 days</span>' in html


def test_an_unclaimed_task_shows_its_claim_deadline(new_case, supervisor):
    task = open_task(new_case, "allocate")
    html = client_for(supervisor).get(reverse("task", args=[task.pk])).content.decode()
    assert "<dt>To be claimed by</dt>" in html and "<dt>Due</dt>" in html


def test_a_task_without_a_deadline_says_so(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    html = client_for(caseworker).get(reverse("task", args=[open_task(new_case, "intake").pk]))
    assert "No deadline applies to this task." in html.content.decode()


def test_completing_a_task_offers_the_next_one_on_the_case(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    client = client_for(caseworker)
    response = client.post(
        reverse("task", args=[open_task(new_case, "intake").pk]),
        {
            "source": "school",
            "presenting_concerns": "Out of school",
            "immediate_safety": "at_risk",
            "consent_to_share": "yes",
        },
    )
    assess = open_task(new_case, "assess")
    assert response.status_code == 302
    assert response["Location"] == reverse("task", args=[assess.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Intake completed. Next task on this case: Assess."
    ]


def test_when_the_next_task_is_someone_elses_the_user_goes_back_to_the_inbox(
    new_case, supervisor, caseworker
):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)  # next: the supervisor's approval
    response = client_for(supervisor).post(
        reverse("approval_detail", args=[open_task(new_case, "approve_assessment").approval.pk]),
        {"decision": "approve", "comment": ""},
    )
    assert response.status_code == 302 and response["Location"] == reverse("approvals")
    # The supervisor allocating a case: the intake is the caseworker's, not theirs.
    other = case_services.case_open(
        actor=caseworker,
        person=make_person(new_case.office, "Esi", "Addo"),
        office=new_case.office,
        category=category(),
        risk="low",
        source="walk_in",
        presenting_concerns="Concern",
    )
    response = client_for(supervisor).post(
        reverse("task", args=[open_task(other, "allocate").pk]),
        {"caseworker": caseworker.pk, "team": caseworker.teams.get().pk},
    )
    assert response.status_code == 302 and response["Location"] == reverse("inbox")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The case was allocated to Akosua."
    ]
