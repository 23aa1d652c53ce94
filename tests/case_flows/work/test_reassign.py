"""Reassigning open work: the "give to" list, the service's refusal, and the case page."""

import pytest
from django.urls import reverse

from accounts.models import Role
from case_flows.cases.forms import ReassignForm
from tests.case_flows.cases.test_views_case import CASE_PAGE_QUERIES
from tests.factories import make_office, make_team, make_user
from tests.steps import allocate, complete_intake, open_task, submit_assessment
from workflows.errors import NotPermitted
from workflows.queue import assignable_users, task_reassign

from .test_views_tasks import client_for


@pytest.fixture
def people(office, team, supervisor, caseworker):
    """Who is around the case's office: some may do its tasks, some may not."""
    other_office = make_office("KUM", name="Kumasi")
    return {
        "colleague": make_user(
            Role.CASEWORKER, office, team, username="cw2", first_name="Yaw", last_name="Boateng"
        ),
        "office_worker": make_user(Role.CASEWORKER, office, username="cw3", first_name="Efua"),
        "provider": make_user(Role.PROVIDER, office, username="shelter", first_name="Shelter"),
        "inactive": make_user(Role.CASEWORKER, office, team, username="gone", is_active=False),
        "elsewhere": make_user(
            Role.CASEWORKER, other_office, make_team(other_office), username="kum"
        ),
        "no_role": make_user(None, office, username="clerk"),
        "deputy": make_user(Role.SUPERVISOR, office, team, username="sup2", first_name="Adwoa"),
    }


def offered(task) -> set[str]:
    return {u.username for u in ReassignForm(task=task).fields["to_user"].queryset}


def test_give_to_list_offers_only_people_who_may_do_the_task(new_case, caseworker, people):
    task = open_task(new_case, "allocate")
    # Allocation needs allocate_case: supervisors of the office, never caseworkers or providers.
    assert offered(task) == {"sup", "sup2"}


def test_give_to_list_for_caseworker_work(new_case, supervisor, caseworker, people):
    allocate(new_case, supervisor, caseworker)
    task = open_task(new_case, "intake")
    # The holder is left out (giving it to them changes nothing); supervisors hold
    # work_case too. Never a provider, an inactive account, someone with no role, or staff
    # of another office.
    assert offered(task) == {"cw2", "cw3", "sup", "sup2"}


def test_give_to_list_for_an_approval_leaves_out_its_requester(
    new_case, office, team, supervisor, caseworker, people
):
    allocate(new_case, supervisor, caseworker)
    # The supervisor does the intake and the assessment: they requested the approval.
    task = open_task(new_case, "intake")
    task_reassign(task=task, actor=supervisor, to_user=supervisor)
    complete_intake(new_case, supervisor)
    task_reassign(task=open_task(new_case, "assess"), actor=supervisor, to_user=supervisor)
    submit_assessment(new_case, supervisor)
    manager = make_user(Role.MANAGER, office, username="mgr")
    approval_task = open_task(new_case, "approve_assessment")
    assert approval_task.approval.requested_by == supervisor
    # Routed to the deputy (the requester may not decide): the manager may take it over.
    assert approval_task.owner == people["deputy"]
    assert offered(approval_task) == {"mgr"}
    with pytest.raises(NotPermitted, match="asked for this approval themselves"):
        task_reassign(task=approval_task, actor=manager, to_user=supervisor)


@pytest.mark.parametrize("who", ["provider", "inactive", "elsewhere", "no_role"])
def test_service_refuses_someone_who_may_not_do_the_task(
    who, new_case, supervisor, caseworker, people
):
    allocate(new_case, supervisor, caseworker)
    task = open_task(new_case, "intake")
    with pytest.raises(NotPermitted, match="cannot do this task"):
        task_reassign(task=task, actor=supervisor, to_user=people[who])
    task.refresh_from_db()
    assert task.owner == caseworker  # nothing changed


def test_assignable_users_agrees_with_the_service(new_case, supervisor, caseworker, people):
    allocate(new_case, supervisor, caseworker)
    task = open_task(new_case, "intake")
    listed = set(assignable_users(task))
    for user in [caseworker, supervisor, *people.values()]:
        if user in listed:
            continue
        with pytest.raises(NotPermitted):
            task_reassign(task=task, actor=supervisor, to_user=user)


def test_posting_someone_not_offered_changes_nothing(new_case, supervisor, caseworker, people):
    allocate(new_case, supervisor, caseworker)
    task = open_task(new_case, "intake")
    response = client_for(supervisor).post(
        reverse("task_reassign", args=[task.pk]),
        {"to_user": people["provider"].pk, "back": "case"},
    )
    assert response.status_code == 400
    task.refresh_from_db()
    assert task.owner == caseworker


def test_supervisor_reassigns_from_the_case_page_and_sees_the_new_person(
    new_case, supervisor, caseworker, people
):
    allocate(new_case, supervisor, caseworker)
    task = open_task(new_case, "intake")
    client = client_for(supervisor)
    page = client.get(reverse("case_detail", args=[new_case.pk])).content.decode()
    form_action = reverse("task_reassign", args=[task.pk])
    assert f'action="{form_action}"' in page
    assert "Yaw Boateng" in page and "Shelter" not in page  # the give-to list
    response = client.post(form_action, {"to_user": people["colleague"].pk, "back": "case"})
    assert response.status_code == 302
    assert response["Location"] == reverse("case_detail", args=[new_case.pk])
    page = client.get(response["Location"]).content.decode()
    assert "The task was given to Yaw Boateng." in page
    assert 'data-label="Who">Yaw Boateng</td>' in page
    task.refresh_from_db()
    assert task.owner == people["colleague"]


def test_approval_reassigned_from_the_case_page_comes_back_to_it(
    new_case, office, supervisor, caseworker, people
):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    task = open_task(new_case, "approve_assessment")
    response = client_for(supervisor).post(
        reverse("task_reassign", args=[task.pk]), {"to_user": people["deputy"].pk, "back": "case"}
    )
    assert response["Location"] == reverse("case_detail", args=[new_case.pk])
    page = client_for(supervisor).get(response["Location"]).content.decode()
    assert 'data-label="Who">Adwoa' in page


def test_caseworker_sees_no_reassign_control(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    task = open_task(new_case, "intake")
    page = client_for(caseworker).get(reverse("case_detail", args=[new_case.pk])).content.decode()
    assert reverse("task_reassign", args=[task.pk]) not in page


# The supervisor's case page adds, per open task they may reassign, the give-to list.
REASSIGN_QUERIES_PER_TASK = 1


def test_supervisors_case_page_query_count(
    new_case, supervisor, caseworker, people, django_assert_num_queries
):
    allocate(new_case, supervisor, caseworker)
    client = client_for(supervisor)
    client.get(reverse("case_detail", args=[new_case.pk]))  # warm the content types
    with django_assert_num_queries(CASE_PAGE_QUERIES + REASSIGN_QUERIES_PER_TASK):
        response = client.get(reverse("case_detail", args=[new_case.pk]))
    assert response.content.decode().count('name="to_user"') == 1


def test_the_requester_may_not_claim_their_own_approval(
    new_case, office, team, supervisor, caseworker, people
):
    """The supervisor who asked for an approval cannot park its task with themselves: not
    by a claim, not by a reassignment; the task stays where it was."""
    from workflows.queue import task_claim, task_release, user_may_take

    allocate(new_case, supervisor, caseworker)
    task_reassign(task=open_task(new_case, "intake"), actor=supervisor, to_user=supervisor)
    complete_intake(new_case, supervisor)
    task_reassign(task=open_task(new_case, "assess"), actor=supervisor, to_user=supervisor)
    submit_assessment(new_case, supervisor)
    approval_task = open_task(new_case, "approve_assessment")
    deputy = people["deputy"]
    task_release(task=approval_task, actor=deputy)  # back in the queue
    approval_task.refresh_from_db()
    assert approval_task.owner_id is None
    assert not user_may_take(supervisor, approval_task)
    with pytest.raises(NotPermitted, match="asked for this approval yourself"):
        task_claim(task=approval_task, actor=supervisor)
    with pytest.raises(NotPermitted):
        task_reassign(task=approval_task, actor=supervisor, to_user=supervisor)
    approval_task.refresh_from_db()
    assert approval_task.owner_id is None
    # Anyone else with the role may still take it.
    task_claim(task=approval_task, actor=deputy)
