"""The case flow: one process per case episode. Human tasks sit in role queues; Function
nodes are the only writers of Case.stage (under the flow's row lock)."""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow
from viewflow.workflow.flow.views import UpdateProcessView

from workflows.locks import select_for_update_wait_lock

from .flow import nodes
from .flow import steps as flow_steps
from .flow.steps import (
    approval_granted,
    approval_task_created,
    auto_approve,
    chose,
    fire,
    requires_approval,
    task_created,
)
from .models import CaseProcess, FollowUpNextStep
from .permissions import CasePerm

# Our own pages (case_flows.work, case_flows.cases) drive every task; viewflow's are unrouted.
_UNROUTED = UpdateProcessView.as_view(fields=[])


class CaseFlow(flow.Flow):
    process_class = CaseProcess
    # viewflow's select_for_update_lock breaks inside an outer transaction: see workflows/locks.py
    lock_impl = select_for_update_wait_lock
    process_title = _("Case")
    process_description = _("A case from intake to closure.")

    start = flow.StartHandle(this.start_episode).Next(this.allocate)
    start_reopened = flow.StartHandle(this.start_episode).Next(this.reopen_case)

    allocate = (
        nodes.View(_UNROUTED)
        .Annotation(title=_("Allocate case"))
        .Permission(CasePerm.ALLOCATE_CASE)
        .onCreate(task_created)
        .Next(this.intake)
    )
    intake = (
        nodes.View(_UNROUTED)
        .Annotation(title=_("Complete intake"))
        .Permission(CasePerm.WORK_CASE)
        .Assign(this.case_owner)
        .onCreate(task_created)
        .Next(this.to_assessment)
    )
    to_assessment = nodes.Function(fire("complete_intake")).Next(this.assess)
    reopen_case = nodes.Function(fire("reopen")).Next(this.assess)

    assess = (
        nodes.View(_UNROUTED)
        .Annotation(title=_("Assess"))
        .Permission(CasePerm.WORK_CASE)
        .Assign(this.case_owner)
        .onCreate(task_created)
        .Next(this.assessment_gate)
    )
    assessment_gate = (
        nodes.If(requires_approval("assessment"))
        .Then(this.approve_assessment)
        .Else(this.auto_approve_assessment)
    )
    auto_approve_assessment = nodes.Function(auto_approve("assessment")).Next(this.to_planning)
    approve_assessment = (
        nodes.View(_UNROUTED)
        .Annotation(title=_("Approve assessment"))
        .Permission(CasePerm.APPROVE_CASE)
        .onCreate(approval_task_created)
        .Next(this.check_assessment)
    )
    check_assessment = (
        nodes.If(approval_granted).Then(this.to_planning).Else(this.return_assessment)
    )
    return_assessment = nodes.Function(fire("return_for_revision")).Next(this.assess)
    to_planning = nodes.Function(fire("approve_assessment")).Next(this.plan)

    plan = (
        nodes.View(_UNROUTED)
        .Annotation(title=_("Write the case plan"))
        .Permission(CasePerm.WORK_CASE)
        .Assign(this.case_owner)
        .onCreate(task_created)
        .Next(this.route_plan)
    )
    route_plan = nodes.If(chose("reassess")).Then(this.reassess_from_plan).Else(this.plan_gate)
    plan_gate = (
        nodes.If(requires_approval("plan")).Then(this.approve_plan).Else(this.auto_approve_plan)
    )
    auto_approve_plan = nodes.Function(auto_approve("plan")).Next(this.to_referral)
    reassess_from_plan = nodes.Function(fire("reassess")).Next(this.assess)
    approve_plan = (
        nodes.View(_UNROUTED)
        .Annotation(title=_("Approve case plan"))
        .Permission(CasePerm.APPROVE_CASE)
        .onCreate(approval_task_created)
        .Next(this.check_plan)
    )
    check_plan = nodes.If(approval_granted).Then(this.to_referral).Else(this.return_plan)
    return_plan = nodes.Function(fire("return_for_revision")).Next(this.plan)
    to_referral = nodes.Function(fire("approve_plan")).Next(this.arrange_referrals)

    arrange_referrals = (
        nodes.View(_UNROUTED)
        .Annotation(title=_("Arrange referrals and services"))
        .Permission(CasePerm.WORK_CASE)
        .Assign(this.case_owner)
        .onCreate(task_created)
        .Next(this.to_follow_up)
    )
    to_follow_up = nodes.Function(fire("complete_referrals")).Next(this.follow_up)

    follow_up = (
        nodes.View(_UNROUTED)
        .Annotation(title=_("Follow up"))
        .Permission(CasePerm.WORK_CASE)
        .Assign(this.case_owner)
        .onCreate(task_created)
        .Next(this.route_follow_up)
    )
    route_follow_up = (
        nodes.Switch()
        .Case(this.prepare_closure, chose(FollowUpNextStep.CLOSE))
        .Case(this.reassess_from_follow_up, chose(FollowUpNextStep.REASSESS))
        .Case(this.revise, chose(FollowUpNextStep.REVISE_PLAN))
        .Case(this.refer_again, chose(FollowUpNextStep.NEW_REFERRAL))
        .Default(this.follow_up)
    )
    reassess_from_follow_up = nodes.Function(fire("reassess")).Next(this.assess)
    revise = nodes.Function(fire("revise_plan")).Next(this.plan)
    refer_again = nodes.Function(fire("new_referral")).Next(this.arrange_referrals)

    prepare_closure = (
        nodes.View(_UNROUTED)
        .Annotation(title=_("Prepare closure"))
        .Permission(CasePerm.WORK_CASE)
        .Assign(this.case_owner)
        .onCreate(task_created)
        .Next(this.to_closing)
    )
    to_closing = nodes.Function(fire("propose_closure")).Next(this.closure_gate)
    closure_gate = (
        nodes.If(requires_approval("closure"))
        .Then(this.approve_closure)
        .Else(this.auto_approve_closure)
    )
    auto_approve_closure = nodes.Function(auto_approve("closure")).Next(this.to_closed)
    approve_closure = (
        nodes.View(_UNROUTED)
        .Annotation(title=_("Approve closure"))
        .Permission(CasePerm.APPROVE_CASE)
        .onCreate(approval_task_created)
        .Next(this.check_closure)
    )
    check_closure = nodes.If(approval_granted).Then(this.to_closed).Else(this.return_closure)
    return_closure = nodes.Function(fire("return_for_revision")).Next(this.follow_up)
    to_closed = nodes.Function(fire("approve_closure")).Next(this.end)

    end = nodes.End()

    # Started by the SLA escalation handler at the ladder's last step: a manager reviews the
    # overdue case (a separate short process of the same case, in the managers' queue).
    start_overdue_review = flow.StartHandle(this.start_episode).Next(this.review_overdue)
    review_overdue = (
        nodes.View(_UNROUTED)
        .Annotation(title=_("Review overdue case"))
        .Permission(CasePerm.REVIEW_OVERDUE_CASE)
        .Next(this.review_done)
    )
    review_done = nodes.End()

    # Started by the daily job in case_flows.reviews: the periodic supervisor review of an open
    # case (every 3 months, monthly for high risk), in the supervisors' queue.
    start_case_review = flow.StartHandle(this.start_episode).Next(this.review_case)
    review_case = (
        nodes.View(_UNROUTED)
        .Annotation(title=_("Review the case"))
        .Permission(CasePerm.APPROVE_CASE)
        .Next(this.case_review_done)
    )
    case_review_done = nodes.End()

    # Started from the case page (case_flows.decisions): an administrative decision is
    # prepared by the caseworker and approved by a supervisor (maker-checker) in a short
    # process of the same case; issuing, delivery and appeal happen on the decision itself.
    start_decision = flow.StartHandle(this.start_episode).Next(this.prepare_decision)
    prepare_decision = (
        nodes.View(_UNROUTED)
        .Annotation(title=_("Prepare the decision"))
        .Permission(CasePerm.WORK_CASE)
        .Assign(this.case_owner)
        .onCreate(task_created)
        .Next(this.decision_gate)
    )
    decision_gate = (
        nodes.If(requires_approval("decision"))
        .Then(this.approve_decision)
        .Else(this.auto_approve_decision)
    )
    auto_approve_decision = nodes.Function(auto_approve("decision")).Next(this.decision_approved)
    approve_decision = (
        nodes.View(_UNROUTED)
        .Annotation(title=_("Approve the decision"))
        .Permission(CasePerm.APPROVE_CASE)
        .onCreate(approval_task_created)
        .Next(this.check_decision)
    )
    check_decision = (
        nodes.If(approval_granted).Then(this.decision_approved).Else(this.decision_returned)
    )
    decision_returned = nodes.Function(flow_steps.decision_returned).Next(this.prepare_decision)
    decision_approved = nodes.Function(flow_steps.decision_approved).Next(this.decision_done)
    decision_done = nodes.End()

    # --- the flow's decisions and hooks, kept in flow_steps so this class reads like the diagram
    def start_episode(self, activation, case, actor):
        return flow_steps.start_episode(activation, case=case, actor=actor)

    def case_owner(self, activation):
        # A deactivated caseworker's cases: their next tasks wait in the team queue, not in
        # an inbox nobody reads.
        owner = activation.process.case.owner
        return owner if owner is not None and owner.is_active else None
