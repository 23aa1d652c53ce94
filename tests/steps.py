"""Steps that drive a case through the pipeline in tests, through the services as the pages do."""

import datetime

from django.utils import timezone
from viewflow.workflow.status import STATUS

import case_flows.referrals.services as referral_services
import case_flows.work.services as work_services
from case_flows.models import Case, Stage


def open_task(case: Case, node: str):
    from viewflow.workflow.models import Task

    return (
        Task.objects.filter(
            process__caseprocess__case=case,
            flow_task_type="HUMAN",
            status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED],
        )
        .order_by("-pk")
        .filter(flow_task=_node(node))
        .get()
    )


def _node(name):
    from case_flows.flows import CaseFlow

    return getattr(CaseFlow, name)


def allocate(case, supervisor, caseworker):
    return work_services.case_allocate(
        task=open_task(case, "allocate"), actor=supervisor, caseworker=caseworker
    )


def complete_intake(case, caseworker):
    return work_services.intake_complete(
        task=open_task(case, "intake"),
        actor=caseworker,
        source="walk_in",
        presenting_concerns="Child out of school",
        immediate_safety="at_risk",
        consent_to_share=True,
    )


def submit_assessment(case, caseworker, risk="high"):
    from tests.factories import need_domains

    need_domains()
    return work_services.assessment_submit(
        task=open_task(case, "assess"),
        actor=caseworker,
        needs={"education": "high", "safety": "medium"},
        strengths="Supportive grandmother",
        risk_decided=risk,
    )


def submit_plan(case, caseworker, no_referral_needed=False):
    return work_services.plan_submit(
        task=open_task(case, "plan"),
        actor=caseworker,
        goals=["Back in school", "Safe at home"],
        actions=[
            {
                "description": "Enrol at the district school",
                "responsible": "Caseworker",
                # a fixed date; a case built years back (time_machine) gets one near its time
                "target_date": datetime.date(2027, 1, 15)
                if timezone.localdate().year >= 2020
                else timezone.localdate() + datetime.timedelta(days=90),
            }
        ],
        no_referral_needed=no_referral_needed,
    )


def approve(case, node, supervisor, approve=True, comment=""):
    from workflows.approvals.services import approval_decide

    task = open_task(case, node)
    return approval_decide(
        approval=task.approval, actor=supervisor, approve=approve, comment=comment
    )


def close_case(case, supervisor, caseworker, *, allocated=False, comment=""):
    """Walk a case to closed; `allocated`: it was allocated already; `comment`: the
    supervisor's comment on each approval."""
    if not allocated:
        allocate(case, supervisor, caseworker)
    complete_intake(case, caseworker)
    submit_assessment(case, caseworker)
    approve(case, "approve_assessment", supervisor, comment=comment)
    submit_plan(case, caseworker, no_referral_needed=True)
    approve(case, "approve_plan", supervisor, comment=comment)
    referral_services.referrals_arrange(
        task=open_task(case, "arrange_referrals"), actor=caseworker, referrals=[], none_needed=True
    )
    work_services.follow_up_record(
        task=open_task(case, "follow_up"),
        actor=caseworker,
        date=timezone.localdate(),
        mode="visit",
        notes="Fine",
        next_step="close",
    )
    work_services.closure_prepare(
        task=open_task(case, "prepare_closure"), actor=caseworker, reason="goals_met", summary="Ok"
    )
    approve(case, "approve_closure", supervisor, comment=comment)
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED
    return case
