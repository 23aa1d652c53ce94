"""Dates a person can type but no case can have: year 1, a birth 200 years ago, a contact
before the case existed. Each is refused with a clear message at its field, and the service
refuses it for any other caller; nothing is saved."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

import case_flows.cases.services as case_services
import case_flows.referrals.services as referral_services
import case_flows.work.services as work_services
from case_flows.models import FollowUp, Person, PersonRelation
from tests.steps import allocate, complete_intake, open_task
from workflows.errors import WorkflowError

YEAR_ONE = "0001-01-01"


@pytest.fixture
def signed_in(client, caseworker):
    client.force_login(caseworker)
    return client


def _register(client, dob):
    return client.post(
        reverse("case_new"),
        {
            "given_name": "Ama",
            "family_name": "Owusu",
            "sex": "female",
            "date_of_birth": dob,
            "category": "",
            "risk": "high",
            "source": "walk_in",
            "presenting_concerns": "Left alone",
        },
    )


@pytest.mark.django_db
def test_a_date_of_birth_in_year_one_is_refused_at_its_field(signed_in, office):
    before = Person.objects.count()
    response = _register(signed_in, YEAR_ONE)
    assert response.status_code == 200
    errors = response.context["form"].errors["date_of_birth"]
    assert any("not plausible" in e for e in errors)
    assert Person.objects.count() == before
    # The date picker stops there too.
    assert 'min="' in response.content.decode()


@pytest.mark.django_db
def test_the_service_refuses_it_for_any_caller(office, caseworker):
    with pytest.raises(WorkflowError, match="not plausible"):
        case_services.person_create(
            actor=caseworker,
            office=office,
            given_name="Ama",
            family_name="Owusu",
            date_of_birth=datetime.date(1, 1, 1),
        )
    person = case_services.person_create(
        actor=caseworker,
        office=office,
        given_name="Ama",
        family_name="Owusu",
        date_of_birth=datetime.date(1931, 5, 2),  # 95 years old: plausible
    )
    assert person.date_of_birth.year == 1931


@pytest.mark.django_db
def test_a_relative_born_in_year_one_is_refused(signed_in, new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    response = signed_in.post(
        reverse("case_relative_add", args=[new_case.pk]),
        {
            "given_name": "Kofi",
            "family_name": "Owusu",
            "relationship": "father",
            "sex": "male",
            "date_of_birth": YEAR_ONE,
        },
    )
    assert response.status_code == 400
    assert "not plausible" in response.content.decode()
    assert not PersonRelation.objects.exists()


@pytest.mark.django_db
def test_a_follow_up_dated_before_the_case_is_refused(new_case, supervisor, caseworker):
    from tests.steps import approve, submit_assessment, submit_plan

    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    approve(new_case, "approve_assessment", supervisor)
    submit_plan(new_case, caseworker, no_referral_needed=True)
    approve(new_case, "approve_plan", supervisor)
    task = open_task(new_case, "arrange_referrals")
    referral_services.referrals_arrange(task=task, actor=caseworker, referrals=[], none_needed=True)
    task = open_task(new_case, "follow_up")
    for day in (datetime.date(1, 1, 1), timezone.localdate() - datetime.timedelta(days=400)):
        with pytest.raises(WorkflowError, match="before the case was opened"):
            work_services.follow_up_record(
                task=task, actor=caseworker, date=day, mode="home_visit", notes="Visited"
            )
    assert not FollowUp.objects.exists()
    # Through the page: the error is at the field.
    from django.test import Client

    client = Client()
    client.force_login(caseworker)
    response = client.post(
        reverse("task", args=[task.pk]),
        {"date": YEAR_ONE, "mode": "home_visit", "notes": "Visited", "next_step": "continue"},
    )
    assert response.status_code == 400
    assert response.context["forms"]["form"].errors["date"]
    assert not FollowUp.objects.exists()


@pytest.mark.django_db
def test_a_plan_action_due_in_year_one_is_refused(new_case, supervisor, caseworker):
    from tests.steps import approve, submit_assessment

    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    approve(new_case, "approve_assessment", supervisor)
    task = open_task(new_case, "plan")
    with pytest.raises(WorkflowError, match="check the year"):
        work_services.plan_submit(
            task=task,
            actor=caseworker,
            goals=["Back to school"],
            actions=[
                {
                    "description": "Enrol",
                    "responsible": "School",
                    "target_date": datetime.date(1, 1, 1),
                }
            ],
            summary="",
            no_referral_needed=True,
        )
    from django.test import Client

    client = Client()
    client.force_login(caseworker)
    response = client.post(
        reverse("task", args=[task.pk]),
        {
            "summary": "",
            "goals": "Back to school",
            "actions-TOTAL_FORMS": "1",
            "actions-INITIAL_FORMS": "0",
            "actions-0-description": "Enrol",
            "actions-0-responsible": "School",
            "actions-0-target_date": YEAR_ONE,
        },
    )
    assert response.status_code == 400
    assert "check the year" in response.content.decode()
    from case_flows.models import CasePlan

    assert not CasePlan.objects.exists()
