"""The whole pipeline from intake to closure through the services."""

import datetime

import pytest
from django.db import connection

import case_flows.cases.services as case_services
import case_flows.referrals.services as referral_services
import case_flows.work.services as work_services
from accounts.models import Role
from case_flows.models import Case, CaseEvent, EventKind, Stage
from tests.factories import make_user
from tests.steps import (
    allocate,
    approve,
    complete_intake,
    open_task,
    submit_assessment,
    submit_plan,
)
from workflows.errors import Conflict, NotPermitted, WorkflowError


def stages(case):
    return list(
        CaseEvent.objects.filter(case=case, kind__in=["transition", "approved", "returned"])
        .order_by("pk")
        .values_list("from_stage", "to_stage")
    )


def test_intake_to_closure(new_case, supervisor, caseworker):
    case = new_case
    assert case.reference.startswith("BEK-")
    assert case.stage == Stage.INTAKE
    allocate_task = open_task(case, "allocate")
    assert allocate_task.owner_id is None  # in the supervisor queue
    allocate(case, supervisor, caseworker)
    intake_task = open_task(case, "intake")
    assert intake_task.owner == caseworker

    complete_intake(case, caseworker)
    case.refresh_from_db()
    assert case.stage == Stage.ASSESSMENT

    submit_assessment(case, caseworker, risk="high")
    case.refresh_from_db()
    assert case.risk == "high"
    assert case.stage == Stage.ASSESSMENT  # waits for approval
    approve(case, "approve_assessment", supervisor)
    case.refresh_from_db()
    assert case.stage == Stage.PLANNING

    submit_plan(case, caseworker)
    approve(case, "approve_plan", supervisor)
    case.refresh_from_db()
    assert case.stage == Stage.REFERRAL

    referral_services.referrals_arrange(
        task=open_task(case, "arrange_referrals"),
        actor=caseworker,
        referrals=[
            {"service_type": "Education", "provider_name": "Bekwai JHS", "consent_recorded": True}
        ],
    )
    case.refresh_from_db()
    assert case.stage == Stage.FOLLOW_UP

    work_services.follow_up_record(
        task=open_task(case, "follow_up"),
        actor=caseworker,
        date=datetime.date.today(),
        mode="visit",
        notes="Attending school",
        next_step="continue",
    )
    work_services.follow_up_record(
        task=open_task(case, "follow_up"),
        actor=caseworker,
        date=datetime.date.today(),
        mode="phone",
        notes="Goals met",
        next_step="close",
    )
    work_services.closure_prepare(
        task=open_task(case, "prepare_closure"),
        actor=caseworker,
        reason="goals_met",
        summary="Done",
    )
    case.refresh_from_db()
    assert case.stage == Stage.CLOSING
    approve(case, "approve_closure", supervisor)
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED
    assert case.closed_at is not None
    assert stages(case) == [
        ("intake", "assessment"),
        ("assessment", "planning"),
        ("planning", "referral"),
        ("referral", "follow_up"),
        ("follow_up", "closing"),
        ("closing", "closed"),
    ]


def test_return_for_revision_round_trip(new_case, supervisor, caseworker):
    case = new_case
    allocate(case, supervisor, caseworker)
    complete_intake(case, caseworker)
    submit_assessment(case, caseworker)
    with pytest.raises(WorkflowError):
        approve(case, "approve_assessment", supervisor, approve=False, comment="")
    approve(case, "approve_assessment", supervisor, approve=False, comment="Add the school's view")
    case.refresh_from_db()
    assert case.stage == Stage.ASSESSMENT
    returned = CaseEvent.objects.get(case=case, kind=EventKind.RETURNED)
    assert returned.comment == "Add the school's view" and returned.actor == supervisor
    assert open_task(case, "assess").owner == caseworker
    submit_assessment(case, caseworker)
    approve(case, "approve_assessment", supervisor)
    case.refresh_from_db()
    assert case.stage == Stage.PLANNING


def test_self_approval_is_refused(office, team, supervisor, caseworker):
    from tests.factories import category, make_person

    case = case_services.case_open(
        actor=supervisor,
        person=make_person(office),
        office=office,
        category=category(),
        risk="low",
        source="hotline",
        presenting_concerns="Elderly man alone",
    )
    work_services.case_allocate(
        task=open_task(case, "allocate"), actor=supervisor, caseworker=supervisor
    )
    complete_intake(case, supervisor)
    submit_assessment(case, supervisor)
    with pytest.raises(NotPermitted):
        approve(case, "approve_assessment", supervisor)
    case.refresh_from_db()
    assert case.stage == Stage.ASSESSMENT


def test_illegal_transition_changes_nothing(new_case, caseworker, supervisor):
    case = new_case
    from case_flows.flow.steps import fire_transition

    before = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(Conflict):
        fire_transition(case, "approve_closure", actor=supervisor)
    case.refresh_from_db()
    assert case.stage == Stage.INTAKE
    assert CaseEvent.objects.filter(case=case).count() == before


def test_the_gate_holds_without_approval(new_case, caseworker, supervisor):
    from case_flows.flow.steps import fire_transition

    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    case = Case.objects.get(pk=new_case.pk)
    with pytest.raises(Conflict):
        fire_transition(case, "approve_assessment", actor=supervisor)
    case.refresh_from_db()
    assert case.stage == Stage.ASSESSMENT


def test_timeline_is_append_only(new_case):
    from django.db import DatabaseError, transaction

    event = CaseEvent.objects.filter(case=new_case).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(comment="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).delete()
    assert connection.vendor == "postgresql"


def test_allocation_to_someone_who_is_not_a_caseworker_is_refused(new_case, team, supervisor):
    manager = make_user(Role.MANAGER, new_case.office, username="not-a-caseworker")
    team.members.add(manager)
    task = open_task(new_case, "allocate")
    with pytest.raises(WorkflowError, match="is not a caseworker"):
        work_services.case_allocate(task=task, actor=supervisor, caseworker=manager)
    new_case.refresh_from_db()
    assert new_case.owner_id is None
    assert open_task(new_case, "allocate").pk == task.pk  # nothing moved
