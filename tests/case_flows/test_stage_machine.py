"""The stage machine: its diagram, reopen, withdrawal, office approval rules."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

import case_flows.cases.services as case_services
import case_flows.referrals.services as referral_services
from case_flows.models import CaseEvent, Stage
from tests.steps import (
    allocate,
    approve,
    close_case,
    complete_intake,
    open_task,
    submit_assessment,
    submit_plan,
)
from workflows.approvals.models import ApprovalKind, ApprovalRule, ApprovalStatus
from workflows.approvals.services import approval_decide, approval_withdraw
from workflows.errors import Conflict, NotPermitted

DIAGRAM = Path(__file__).resolve().parents[2] / "docs" / "case-stages.dot"


def test_committed_diagram_matches_the_code():
    out = io.StringIO()
    call_command("graph_transitions", "case_flows.Case.stage", stdout=out)
    assert sorted(out.getvalue().split("\n")) == sorted(DIAGRAM.read_text().split("\n")), (
        "Run `make diagram` and commit docs/case-stages.dot"
    )


def test_reopen_starts_a_new_episode_at_assessment(new_case, supervisor, caseworker):
    close_case(new_case, supervisor, caseworker)
    case_services.case_reopen(case=new_case, actor=supervisor, comment="New concerns reported")
    new_case.refresh_from_db()
    assert new_case.stage == Stage.ASSESSMENT
    assert new_case.episode == 2 and new_case.closed_at is None
    event = CaseEvent.objects.get(case=new_case, transition="reopen")
    assert event.comment == "New concerns reported" and event.actor == supervisor
    assert open_task(new_case, "assess").owner == caseworker
    with pytest.raises(Conflict):
        case_services.case_reopen(case=new_case, actor=supervisor, comment="again")


def test_referral_stage_needs_a_referral_or_none_needed(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    approve(new_case, "approve_assessment", supervisor)
    submit_plan(new_case, caseworker)
    approve(new_case, "approve_plan", supervisor)
    from workflows.errors import WorkflowError

    with pytest.raises(WorkflowError):
        referral_services.referrals_arrange(
            task=open_task(new_case, "arrange_referrals"), actor=caseworker, referrals=[]
        )
    new_case.refresh_from_db()
    assert new_case.stage == Stage.REFERRAL


def test_caseworker_withdraws_a_submission(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    approval = open_task(new_case, "approve_assessment").approval
    with pytest.raises(NotPermitted):
        approval_withdraw(approval=approval, actor=supervisor)
    approval_withdraw(approval=approval, actor=caseworker, comment="Forgot the school report")
    approval.refresh_from_db()
    assert approval.status == ApprovalStatus.WITHDRAWN
    assert open_task(new_case, "assess").owner == caseworker
    event = CaseEvent.objects.get(case=new_case, transition="withdraw_submission")
    assert event.actor == caseworker
    # Deciding a withdrawn request is a clear conflict.
    with pytest.raises(Conflict, match="withdrawn"):
        approval_decide(approval=approval, actor=supervisor, approve=True, comment="")


def test_office_without_approval_rule_skips_the_gate_with_a_record(
    new_case, office, supervisor, caseworker
):
    ApprovalRule.objects.create(office=office, kind=ApprovalKind.ASSESSMENT, required=False)
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    new_case.refresh_from_db()
    assert new_case.stage == Stage.PLANNING
    from workflows.approvals.models import Approval

    auto = Approval.objects.get(subject_id=new_case.pk, kind="assessment")
    assert auto.auto_approved and auto.status == ApprovalStatus.APPROVED
    # Plans still need approval by default.
    submit_plan(new_case, caseworker)
    new_case.refresh_from_db()
    assert new_case.stage == Stage.PLANNING
    assert open_task(new_case, "approve_plan").approval.status == ApprovalStatus.PENDING
