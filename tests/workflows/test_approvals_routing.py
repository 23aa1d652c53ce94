"""Approval routing: absence and delegation, self-approval, manager reassignment."""

import datetime

from django.utils import timezone

import case_flows.cases.services as case_services
import case_flows.work.services as work_services
from accounts.models import Role
from tests.factories import category, make_person, make_user
from tests.steps import (
    allocate,
    complete_intake,
    open_task,
    submit_assessment,
)
from workflows.approvals.models import SupervisorAbsence
from workflows.approvals.services import approval_decide, approval_route
from workflows.queue import task_reassign


def _absent(user, deputy=None):
    today = timezone.localdate()
    return SupervisorAbsence.objects.create(
        supervisor=user,
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=3),
        deputy=deputy,
    )


def test_present_supervisor_gets_it_in_the_team_queue(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    assert open_task(new_case, "approve_assessment").owner_id is None


def test_absent_supervisor_routes_to_deputy(new_case, office, supervisor, caseworker):
    deputy = make_user(Role.SUPERVISOR, office, username="deputy")
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    _absent(supervisor, deputy=deputy)
    submit_assessment(new_case, caseworker)
    task = open_task(new_case, "approve_assessment")
    assert task.owner == deputy
    approval_decide(approval=task.approval, actor=deputy, approve=True, comment="")


def test_absent_supervisor_without_deputy_routes_to_manager(
    new_case, office, supervisor, caseworker, manager
):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    _absent(supervisor)
    submit_assessment(new_case, caseworker)
    task = open_task(new_case, "approve_assessment")
    assert task.owner == manager
    approval_decide(approval=task.approval, actor=manager, approve=True, comment="")


def test_an_inactive_deputy_passes_over_to_a_present_colleague_not_an_absent_one(
    new_case, office, supervisor, caseworker, manager
):
    deputy = make_user(Role.SUPERVISOR, office, username="deputy")
    away = make_user(Role.SUPERVISOR, office, username="away")
    present = make_user(Role.SUPERVISOR, office, username="present")
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    deputy.is_active = False
    deputy.save(update_fields=["is_active"])
    _absent(supervisor, deputy=deputy)
    _absent(away)
    submit_assessment(new_case, caseworker)
    assert open_task(new_case, "approve_assessment").owner == present


def test_a_present_supervisor_is_found_in_one_query(
    office, team, supervisor, caseworker, manager, django_assert_num_queries
):
    make_user(Role.SUPERVISOR, office, username="colleague")
    team.refresh_from_db()
    team.supervisor  # noqa: B018  (loaded as the completion's read loads it)
    with django_assert_num_queries(1):
        assert approval_route(office=office, team=team, requested_by=caseworker) is None
    _absent(supervisor)
    # away: the office's supervisors and managers are read, then their absences
    with django_assert_num_queries(4):
        assert approval_route(office=office, team=team, requested_by=caseworker).username == (
            "colleague"
        )


def test_supervisors_own_request_goes_to_another_supervisor(office, team, supervisor, manager):
    colleague = make_user(Role.SUPERVISOR, office, username="colleague")
    case = case_services.case_open(
        actor=supervisor,
        person=make_person(office),
        office=office,
        category=category(),
        risk="low",
        source="walk_in",
        presenting_concerns="x",
    )
    work_services.case_allocate(
        task=open_task(case, "allocate"), actor=supervisor, caseworker=supervisor
    )
    complete_intake(case, supervisor)
    submit_assessment(case, supervisor)
    assert open_task(case, "approve_assessment").owner == colleague


def test_manager_reassigns_an_approval(new_case, office, team, supervisor, caseworker, manager):
    other = make_user(Role.SUPERVISOR, office, team, username="sup-b")
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    task = open_task(new_case, "approve_assessment")
    task_reassign(task=task, actor=manager, to_user=other)
    task.refresh_from_db()
    assert task.owner == other
