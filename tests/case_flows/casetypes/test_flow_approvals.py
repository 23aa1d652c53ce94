"""A case type's approval rule decides the flow's approval gates, end to end."""

import case_flows.cases.services as case_services
from case_flows.models import Stage
from tests.factories import category, make_person
from tests.steps import allocate, complete_intake, open_task, submit_assessment, submit_plan
from workflows.approvals.models import Approval, ApprovalKind, ApprovalRule, ApprovalStatus


def _open(office, caseworker, code):
    return case_services.case_open(
        actor=caseworker,
        person=make_person(office, "Esi", "Boateng"),
        office=office,
        category=category(code),
        risk="medium",
        source="walk_in",
        presenting_concerns="Works at the market instead of school",
    )


def test_a_category_that_skips_assessment_approval_moves_straight_to_planning(
    new_case, office, supervisor, caseworker
):
    ApprovalRule.objects.create(
        office=office, kind=ApprovalKind.ASSESSMENT, category="child_labour", required=False
    )
    labour = _open(office, caseworker, "child_labour")
    for case in (labour, new_case):
        allocate(case, supervisor, caseworker)
        complete_intake(case, caseworker)
        submit_assessment(case, caseworker)
        case.refresh_from_db()
    assert labour.stage == Stage.PLANNING
    auto = Approval.objects.get(subject_id=labour.pk, kind="assessment")
    assert auto.auto_approved and auto.status == ApprovalStatus.APPROVED
    # The office's other categories still wait for a supervisor.
    assert new_case.stage == Stage.ASSESSMENT
    assert open_task(new_case, "approve_assessment").approval.status == ApprovalStatus.PENDING


def test_a_category_that_requires_approval_where_the_office_does_not(
    office, supervisor, caseworker
):
    ApprovalRule.objects.create(office=office, kind=ApprovalKind.ASSESSMENT, required=False)
    ApprovalRule.objects.create(office=office, kind=ApprovalKind.PLAN, required=False)
    ApprovalRule.objects.create(
        office=office, kind=ApprovalKind.PLAN, category="child_labour", required=True
    )
    labour = _open(office, caseworker, "child_labour")
    allocate(labour, supervisor, caseworker)
    complete_intake(labour, caseworker)
    submit_assessment(labour, caseworker)
    submit_plan(labour, caseworker)
    labour.refresh_from_db()
    assert labour.stage == Stage.PLANNING
    assert open_task(labour, "approve_plan").approval.status == ApprovalStatus.PENDING
