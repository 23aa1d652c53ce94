"""What happens around the case flow's tasks: deadlines (SLA clocks) and notifications.

Called inside the flow's transaction, so a clock or an outbox row exists exactly when the
task does.
"""

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from config.compiled import CompiledQuery
from notifications.models import Event
from notifications.outbox import notify_soon
from workflows.approvals.models import Approval, ApprovalKind, ApprovalStatus
from workflows.completion import recalled
from workflows.sla.models import SlaClock
from workflows.sla.services import sla_clock_open, sla_clock_stop, sla_clocks_retarget
from workflows.sla.units import ClockStatus

from ..models import Case
from ..restriction import case_notice
from .history import last_owned_task


def _clock(case: Case, *, kind: str, name: str, task=None, owner=None):
    return sla_clock_open(
        subject=case,
        office=case.office,
        team=case.team,
        owner=owner,
        risk=case.risk,
        category=case.category.code,
        kind=kind,
        name=name,
        task=task,
        # a task's clocks are opened as the flow creates it: none of them can be open yet
        fresh=task is not None,
    )


def task_opened(task, case: Case, *, notify_owner: bool = True) -> None:
    """Every new human task gets its deadline, and a queue deadline while unclaimed."""
    name = task.flow_task.name
    _clock(case, kind="task", name=name, task=task, owner=task.owner)
    if task.owner_id is None:
        _clock(case, kind="unclaimed", name=name, task=task)
    refresh_overdue(case)
    if task.owner_id is None or not notify_owner:
        return
    previous = last_owned_task(task)
    if previous is not None and previous.owner_id == task.owner_id:
        return  # the caseworker's own next step: no need to tell them
    returned = returned_by(previous)
    notify_soon(
        recipient=task.owner,
        event=Event.TASK_RETURNED if returned else Event.TASK_ASSIGNED,
        dedupe_key=f"task:{task.pk}:{task.owner_id}",
        link=reverse("task", args=[task.pk]),
        **case_notice(case, task=title_msgid(task)),
        # the text says who returned it ("... returned to you for revision by <name>")
        actor=returned.decided_by if returned else None,
    )


def returned_by(task) -> Approval | None:
    """The approval that `task` (an approval task) returned for revision, if it did. Inside
    the completion that decided it, the decision is known (workflows.completion)."""
    if task is None:
        return None
    decided = recalled(("approval_of_task", task.pk))
    if decided is not None:
        return decided if decided.status == ApprovalStatus.RETURNED else None
    return (
        Approval.objects.filter(task=task, status=ApprovalStatus.RETURNED)
        .select_related("decided_by")
        .first()
    )


def approval_requested(task, case: Case, approval: Approval) -> None:
    """Tell whoever will decide: the routed approver, else the team's supervisor."""
    recipient = task.owner
    if recipient is None:
        team = case.team  # None without a query when the case has no team
        if team is not None and team.supervisor_id != approval.requested_by_id:
            recipient = team.supervisor
    if recipient is None:
        return
    notify_soon(
        recipient=recipient,
        event=Event.APPROVAL_REQUESTED,
        dedupe_key=f"approval:{approval.pk}:requested:{recipient.pk}",
        link=reverse("approval_detail", args=[approval.pk]),
        **case_notice(case, task=title_msgid(task)),
        actor=approval.requested_by,
    )


def approval_decided(case: Case, approval: Approval) -> None:
    if approval.status not in (ApprovalStatus.APPROVED, ApprovalStatus.RETURNED):
        return
    if approval.auto_approved or approval.decided_by_id == approval.requested_by_id:
        return
    if approval.status == ApprovalStatus.RETURNED and approval.requested_by_id == case.owner_id:
        # The revision task goes to them and its own notice (task_returned) names who
        # returned it and links to the task: one message, not two.
        return
    notify_soon(
        recipient_id=approval.requested_by_id,
        event=Event.APPROVAL_DECIDED,
        dedupe_key=f"approval:{approval.pk}:decided",
        link=reverse("case_detail", args=[case.pk]),
        **case_notice(
            case,
            decision=approval.status,
            kind=approval.kind,
            # the English label (the msgid), translated for the reader when shown
            task=approval_kind_msgid(approval.kind),
        ),
        actor=approval.decided_by,
    )


def title_msgid(task) -> str:
    """The task's title as its English source text: the notification translates it for its
    reader when shown (the sender's language may not be the reader's)."""
    with translation.override("en"):
        return str(task.flow_task.task_title)


def approval_kind_msgid(kind: str) -> str:
    with translation.override("en"):
        return str(ApprovalKind(kind).label) if kind in ApprovalKind.values else ""


def stage_changed(case: Case, *, from_stage: str, to_stage: str) -> None:
    """Stage deadlines: stop the one for the stage left, start one for the stage entered."""
    sla_clock_stop(subject=case, kind="stage", name=from_stage, outcome="met")
    if to_stage == "closed":
        # A closed case has no deadlines left.
        sla_clock_stop(subject=case, outcome="cancelled")
        if case.is_overdue:
            case.is_overdue = False
            case.save(update_fields=["is_overdue"])
        return
    _clock(case, kind="stage", name=to_stage)


def decision_clock_open(case: Case) -> None:
    """The statutory decision deadline (KPA art. 35) runs from registration until a decision
    on the case is issued (case_flows.decisions.services.decision_issue)."""
    _clock(case, kind="stage", name="decision")


def decision_clock_stop(case: Case) -> None:
    sla_clock_stop(subject=case, kind="stage", name="decision", outcome="met")


def refresh_overdue(case: Case) -> None:
    """The case is overdue while any of its running deadlines has breached."""
    content_type = ContentType.objects.get_for_model(Case)
    overdue = bool(_BREACHED_CLOCK.rows(int(content_type.pk), int(case.pk)))
    if overdue != case.is_overdue:
        case.is_overdue = overdue
        case.save(update_fields=["is_overdue"])


def risk_changed(case: Case, *, actor) -> None:
    """Deadlines are re-targeted to the new risk level; time already spent counts."""
    sla_clocks_retarget(subject=case, risk=case.risk, actor=actor)


# its SQL compiled once (config.compiled): asked on every task the flow opens
_BREACHED_CLOCK = CompiledQuery(
    lambda _variant, subject_type_id, subject_id: (
        SlaClock.objects.filter(
            subject_type_id=subject_type_id,
            subject_id=subject_id,
            status__in=[ClockStatus.RUNNING, ClockStatus.PAUSED],
            breached=True,
        )
        .order_by()
        .values_list("pk")[:1]
    )
)
