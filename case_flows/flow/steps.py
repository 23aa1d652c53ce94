"""What the CaseFlow's automatic nodes do: fire stage transitions, read decisions, open
approval requests. Kept out of flows.py so the Flow class reads like the diagram."""

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from workflows.approvals.models import Approval, ApprovalStatus
from workflows.approvals.services import approval_open, approval_record_auto, approval_required
from workflows.completion import current as current_completion
from workflows.completion import recalled
from workflows.errors import Conflict, NotPermitted

from .. import timeline
from ..models import (
    Assessment,
    Case,
    CaseEvent,
    CasePlan,
    Closure,
    Decision,
    DecisionStatus,
    EventKind,
    Stage,
)
from . import hooks as task_hooks
from .history import last_owned_task, previous_task

# The approval node of each kind, and the record model it approves.
APPROVAL_KIND_BY_NODE = {
    "approve_assessment": "assessment",
    "approve_plan": "plan",
    "approve_closure": "closure",
    "approve_decision": "decision",
}


def start_episode(activation, *, case: Case, actor):
    activation.process.case = case
    if activation.flow_task.name == "start_overdue_review":
        activation.process.overdue_review_open_for = case
    activation.task.owner = actor
    return activation.process


def _actor(activation):
    """Whoever completed the human task that led here (inside a task completion: its actor,
    whose permissions are already loaded)."""
    completion = current_completion()
    if completion is not None and completion.owns(activation.task):
        return completion.actor
    task = last_owned_task(activation.task)
    return task.owner if task is not None else None


def _latest_approval(case: Case, kind: str) -> Approval | None:
    decided = _decided_now(case, kind)
    if decided is not None:
        return decided
    return (
        Approval.objects.filter(
            subject_type=ContentType.objects.get_for_model(Case), subject_id=case.pk, kind=kind
        )
        .select_related("decided_by")
        .order_by("-pk")
        .first()
    )


def _decided_now(case: Case, kind: str) -> Approval | None:
    """The approval of this kind decided by the completion under way, if it is this case's:
    the latest of its kind (the next request of a kind needs this one decided first)."""
    completion = current_completion()
    if completion is None:
        return None
    approval = completion.memo.get(("approval_of_task", completion.task.pk))
    if approval is not None and approval.kind == kind and approval.subject_id == case.pk:
        return approval
    return None


EVENT_KIND = {
    "approve_assessment": EventKind.APPROVED,
    "approve_plan": EventKind.APPROVED,
    "approve_closure": EventKind.APPROVED,
    "return_for_revision": EventKind.RETURNED,
    "withdraw_submission": EventKind.RETURNED,
}
APPROVAL_KIND_BY_TRANSITION = {
    "approve_assessment": "assessment",
    "approve_plan": "plan",
    "approve_closure": "closure",
}
KIND_BY_STAGE = {Stage.ASSESSMENT: "assessment", Stage.PLANNING: "plan", Stage.CLOSING: "closure"}


def fire_transition(
    case: Case, name: str, *, actor, comment: str = "", data=None, waived: bool = False
) -> CaseEvent:
    """Fire one stage transition and write its single timeline event.

    `waived`: the office's approval rule waives the approver's role for this step.
    """
    method = getattr(case, name)
    # The conditions are asked three times (can_proceed, has_transition_perm, the call):
    # the records they read are read once.
    case.remember_records()
    try:
        if not can_proceed(method):
            raise Conflict(
                _("The case cannot move this way from %(stage)s: the required records are missing.")
                % {"stage": case.get_stage_display()}
            )
        if actor is None or not (waived or has_transition_perm(method, actor)):
            raise NotPermitted(_("You do not have permission to do this."))
        from_stage, entered_at = case.stage, case.stage_entered_at
        method()
    finally:
        case.forget_records()
    now = timezone.now()
    changed = from_stage != case.stage
    if changed:
        case.stage_entered_at = now
    case.save(update_fields=["stage", "closed_at", "episode", "stage_entered_at"])

    if changed:
        task_hooks.stage_changed(case, from_stage=from_stage, to_stage=case.stage)
    # The KPA decision deadline stops when a decision is issued (case_flows.decisions), not here.
    return timeline.stage_moved(
        case,
        actor=actor,
        kind=EVENT_KIND.get(name, EventKind.TRANSITION),
        transition=name,
        from_stage=from_stage,
        comment=comment,
        data=data,
        at=now,
        stage_entered_at=entered_at if changed else None,
    )


class FireTransition:
    """A Function node body: fire `name` on the process's case as the previous task's actor."""

    def __init__(self, name: str):
        self.name = name
        self.__name__ = f"fire_{name}"

    def __call__(self, activation):
        # The case as the completion read it under the flow lock (with office, team and
        # category), else read here.
        case = activation.process.case
        actor = _actor(activation)
        name, comment, waived, approval = self.name, "", False, None
        if name in APPROVAL_KIND_BY_TRANSITION:
            approval = _latest_approval(case, APPROVAL_KIND_BY_TRANSITION[name])
            comment = approval.comment if approval else ""
            actor = approval.decided_by if approval else actor
            waived = bool(approval and approval.auto_approved)
        elif name == "reopen":
            comment = previous_task(activation).data.get("comment", "")
        elif name == "return_for_revision":
            approval = _latest_approval(case, KIND_BY_STAGE[case.stage])
            comment = approval.comment
            actor = approval.decided_by
            if approval.status == ApprovalStatus.WITHDRAWN:
                name = "withdraw_submission"
        data = approval_event_data(approval) if approval is not None else None
        fire_transition(case, name, actor=actor, comment=comment, data=data, waived=waived)
        if approval is not None:
            task_hooks.approval_decided(case, approval)


def approval_event_data(approval: Approval) -> dict:
    """What the timeline keeps of a decided approval (and its webhook sends): ids and codes."""
    return {
        "approval": approval.pk,
        "approval_kind": approval.kind,
        "status": approval.status,
        "auto_approved": approval.auto_approved,
    }


def fire(name: str) -> FireTransition:
    return FireTransition(name)


class ChoseOption:
    """An If/Switch condition: did the caseworker choose `option` on the last task?"""

    def __init__(self, option: str):
        self.option = option
        self.__name__ = f"chose_{option}"

    def __call__(self, activation):
        return activation.process.next_step == self.option


def chose(option: str) -> ChoseOption:
    return ChoseOption(option)


def approval_granted(activation) -> bool:
    task = previous_task(activation)
    approval = recalled(("approval_of_task", task.pk)) if task is not None else None
    if approval is None:
        approval = Approval.objects.filter(task=task).only("status").first()
    return approval is not None and approval.status == ApprovalStatus.APPROVED


class RequiresApproval:
    def __init__(self, kind: str):
        self.kind = kind
        self.__name__ = f"requires_approval_{kind}"

    def __call__(self, activation):
        case = activation.process.case
        return approval_required(
            office_id=case.office_id, kind=self.kind, category=case.category.code
        )


def requires_approval(kind: str) -> RequiresApproval:
    return RequiresApproval(kind)


def latest_record(case: Case, kind: str) -> Assessment | CasePlan | Closure | None:
    model_by_kind: dict[str, type[Assessment] | type[CasePlan] | type[Closure]] = {
        "assessment": Assessment,
        "plan": CasePlan,
        "closure": Closure,
    }
    return case._latest(model_by_kind[kind])


def process_decision(process) -> Decision:
    """The decision a start_decision process prepares (linked when the process starts)."""
    return Decision.objects.select_for_update().get(process_id=process.pk)


def submitted_record(
    case: Case, kind: str, process=None
) -> Assessment | CasePlan | Closure | Decision:
    """The record a step submits for approval: saved by the step before, so always there.
    A decision is the one of its own process (a case may have several)."""
    if kind == "decision":
        return process_decision(process)
    record = latest_record(case, kind)
    if record is None:
        raise RuntimeError(f"Case {case.pk}: no {kind} in episode {case.episode} to approve.")
    return record


class AutoApprove:
    """Function node for offices that do not require approval of this step."""

    def __init__(self, kind: str):
        self.kind = kind
        self.__name__ = f"auto_approve_{kind}"

    def __call__(self, activation):
        case = activation.process.case
        actor = _actor(activation)
        record = submitted_record(case, self.kind, activation.process)
        approval_record_auto(
            subject=case,
            record_id=record.pk,
            kind=self.kind,
            office=case.office,
            team=case.team,
            requested_by=actor,
        )


def auto_approve(kind: str) -> AutoApprove:
    return AutoApprove(kind)


def task_created(activation) -> None:
    """Every human task: hooks for deadlines and notifications attach here."""

    task_hooks.task_opened(activation.task, activation.process.case)


def approval_task_created(activation) -> None:
    case = activation.process.case
    kind = APPROVAL_KIND_BY_NODE[activation.flow_task.name]
    requester = _actor(activation)
    record = submitted_record(case, kind, activation.process)
    approval = approval_open(
        task=activation.task,
        subject=case,
        record_id=record.pk,
        kind=kind,
        office=case.office,
        team=case.team,
        requested_by=requester,
    )
    timeline.approval_requested(case, actor=requester, approval_kind=kind, record_id=record.pk)

    task_hooks.task_opened(activation.task, case, notify_owner=False)
    task_hooks.approval_requested(activation.task, case, approval)


def _decision_approval(decision: Decision) -> Approval | None:
    return (
        Approval.objects.filter(kind="decision", record_id=decision.pk)
        .select_related("decided_by")
        .order_by("-pk")
        .first()
    )


def signer_position_of(user, office) -> str:
    """The position a user signs with: the label of their role in the office, in the office's
    language (the decision's), e.g. "Koordynator" (the User model has no job title)."""
    with translation.override(office.default_language or "en"):
        return user.primary_role_label


def decision_approved(activation) -> None:
    """The supervisor approved the decision (or the office does not require it): ready to
    issue, approved by the decider, who signs it unless another signer is named."""
    case = Case.objects.select_related("office", "team").get(pk=activation.process.case_id)
    decision = process_decision(activation.process)
    approval = _decision_approval(decision)
    approver = approval.decided_by if approval is not None else _actor(activation)
    decision.status = DecisionStatus.APPROVED
    decision.approved_by = approver
    decision.approved_at = timezone.now()
    if not decision.signer_name and approver is not None:
        decision.signer_name = str(approver)
        if not decision.signer_position:
            decision.signer_position = signer_position_of(approver, case.office)
    decision.save(
        update_fields=[
            "status",
            "approved_by",
            "approved_at",
            "signer_name",
            "signer_position",
            "updated_at",
        ]
    )
    timeline.decision_changed(
        case,
        actor=approver,
        decision=decision,
        action="decision_approved",
        comment=approval.comment if approval is not None else "",
        **(approval_event_data(approval) if approval is not None else {}),
    )
    if approval is not None:
        task_hooks.approval_decided(case, approval)


def decision_returned(activation) -> None:
    """Returned for revision (or withdrawn by its preparer): a draft again, back to the
    caseworker's preparation task."""
    case = Case.objects.select_related("office", "team").get(pk=activation.process.case_id)
    decision = process_decision(activation.process)
    approval = _decision_approval(decision)
    decision.status = DecisionStatus.DRAFT
    decision.save(update_fields=["status", "updated_at"])
    withdrawn = approval is not None and approval.status == ApprovalStatus.WITHDRAWN
    timeline.decision_changed(
        case,
        actor=approval.decided_by if approval is not None else _actor(activation),
        decision=decision,
        action="decision_withdrawn" if withdrawn else "decision_returned",
        comment=approval.comment if approval is not None else "",
        **(approval_event_data(approval) if approval is not None else {}),
    )
    if approval is not None:
        task_hooks.approval_decided(case, approval)
