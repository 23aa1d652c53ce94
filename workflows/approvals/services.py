"""Approval services: open a request (routed around absence and self-approval), decide it."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.audit import account_event_record
from accounts.models import AccountAction, Office, Role, Team, User
from accounts.staff_rules import staff_may_manage

from ..completion import remember
from ..errors import Conflict, NotPermitted, WorkflowError
from ..queue import task_complete
from .models import Approval, ApprovalRule, ApprovalStatus, SupervisorAbsence

DEFAULT_REQUIRED = {"assessment", "plan", "closure", "decision"}


def approval_required(*, office_id: int, kind: str, category: str = "") -> bool:
    """Whether this step needs a supervisor's decision in this office, for a case of this
    category (a code; empty: none known). One query: the office's rule for the category wins
    over its rule for any category, which wins over the default."""
    rules = dict(
        ApprovalRule.objects.filter(
            office_id=office_id, kind=kind, category__in={category, ""}
        ).values_list("category", "required")
    )
    if category and category in rules:
        return rules[category]
    if "" in rules:
        return rules[""]
    return kind in DEFAULT_REQUIRED


def _absent_today(user_ids: list[int], office: Office) -> dict[int, SupervisorAbsence]:
    today = timezone.localtime(timezone.now(), office.tzinfo).date()
    absences = SupervisorAbsence.objects.filter(
        supervisor_id__in=user_ids, starts_on__lte=today, ends_on__gte=today
    ).select_related("deputy")
    return {a.supervisor_id: a for a in absences}


def approval_route(*, office: Office, team: Team | None, requested_by: User) -> User | None:
    """Whom an approval goes to: None means the team's supervisor queue.

    The requester never decides their own request; an absent supervisor's approvals go to
    their deputy, else another supervisor of the office, else the office manager.
    """
    supervisor = team.supervisor if team is not None else None
    if supervisor is not None and supervisor.pk != requested_by.pk and supervisor.is_active:
        # The usual case, in one query: the team's supervisor is in today.
        absence = _absent_today([supervisor.pk], office).get(supervisor.pk)
        if absence is None:
            return None
        deputy = absence.deputy
        if deputy is not None and deputy.is_active and deputy.pk != requested_by.pk:
            return deputy
    office_supervisors = list(
        User.objects.filter(
            is_active=True,
            is_service_account=False,
            home_office=office,
            groups__name=Role.SUPERVISOR,
        )
        .exclude(pk=requested_by.pk)
        .order_by("pk")
    )
    managers = list(
        User.objects.filter(
            is_active=True, is_service_account=False, home_office=office, groups__name=Role.MANAGER
        )
        .exclude(pk=requested_by.pk)
        .order_by("pk")
    )
    absent = _absent_today([u.pk for u in office_supervisors + managers], office)
    for candidate in office_supervisors:
        if candidate.pk not in absent and (supervisor is None or candidate.pk != supervisor.pk):
            return candidate
    for candidate in managers:
        if candidate.pk not in absent:
            return candidate
    return None


def approval_open(
    *,
    task: Task,
    subject: Model,
    record_id: int,
    kind: str,
    office: Office,
    team: Team | None,
    requested_by: User,
) -> Approval:
    """Called when the flow creates an approval task: record the request and route it."""
    approval = Approval.objects.create(
        task=task,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        record_id=record_id,
        kind=kind,
        office=office,
        team=team,
        requested_by=requested_by,
    )
    assignee = approval_route(office=office, team=team, requested_by=requested_by)
    if assignee is not None:
        task.owner = assignee
        task.status = STATUS.ASSIGNED
        task.assigned = timezone.now()
        task.save(update_fields=["owner", "status", "assigned"])
    return approval


def approval_record_auto(
    *,
    subject: Model,
    record_id: int,
    kind: str,
    office: Office,
    team: Team | None,
    requested_by: User,
) -> Approval:
    """The office does not require approval for this step: record that, approved."""
    now = timezone.now()
    return Approval.objects.create(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        record_id=record_id,
        kind=kind,
        office=office,
        team=team,
        requested_by=requested_by,
        status=ApprovalStatus.APPROVED,
        decided_by=requested_by,
        decided_at=now,
        auto_approved=True,
        comment=_("Approval is not required for this step in this office."),
    )


def _decided_message(approval: Approval) -> str:
    if approval.status == ApprovalStatus.WITHDRAWN:
        return _("This request was withdrawn by %(who)s; nothing was changed.") % {
            "who": approval.decided_by
        }
    return _("%(who)s already decided this request (%(decision)s); nothing was changed.") % {
        "who": approval.decided_by,
        "decision": approval.get_status_display().lower(),
    }


def approval_decide(*, approval: Approval, actor: User, approve: bool, comment: str) -> Approval:
    """Approve, or return for revision (comment required). The flow then moves the case."""
    comment = (comment or "").strip()
    if not approve and not comment:
        raise WorkflowError(_("Say what needs revising: a comment is required to return work."))
    if approval.requested_by_id == actor.pk:
        raise NotPermitted(_("You cannot approve your own request."))
    if approval.task_id is None:
        raise Conflict(_decided_message(approval))

    def decide(activation):
        _record_decision(
            approval,
            status=ApprovalStatus.APPROVED if approve else ApprovalStatus.RETURNED,
            actor=actor,
            comment=comment,
        )

    try:
        task_complete(task=approval.task, actor=actor, work=decide)
    except Conflict:
        approval.refresh_from_db()
        if approval.status != ApprovalStatus.PENDING:
            raise Conflict(_decided_message(approval)) from None
        raise
    return approval  # as recorded (the flow changes nothing else on it)


def _record_decision(approval: Approval, *, status: str, actor: User, comment: str) -> None:
    """Decide a pending request in one statement (the row's lock and the status check at
    once); a request already decided or withdrawn is a Conflict. `approval` is updated."""
    now = timezone.now()
    updated = Approval.objects.filter(pk=approval.pk, status=ApprovalStatus.PENDING).update(
        status=status, decided_by=actor, decided_at=now, comment=comment
    )
    if not updated:
        current = Approval.objects.select_related("decided_by").get(pk=approval.pk)
        raise Conflict(_decided_message(current))
    approval.status, approval.decided_by, approval.decided_at = status, actor, now
    approval.comment = comment
    # the flow's gateway and hooks ask for this decision next: they find it here
    remember(("approval_of_task", approval.task_id), approval)
    # and the stage's condition (Case._approved) for the record it decided
    record_key = (approval.subject_type_id, approval.subject_id, approval.kind, approval.record_id)
    remember(("approval_of_record", *record_key), approval)


def approval_withdraw(*, approval: Approval, actor: User, comment: str = "") -> Approval:
    """The requester takes their submission back to revise it before anyone decides."""
    if approval.requested_by_id != actor.pk:
        raise NotPermitted(_("Only the person who asked for approval can withdraw the request."))

    def withdraw(activation):
        _record_decision(
            approval, status=ApprovalStatus.WITHDRAWN, actor=actor, comment=comment.strip()
        )

    try:
        # The requester completes the approval task only to take the work back.
        task_complete(
            task=approval.task, actor=actor, work=withdraw, check_permission=False, take_over=True
        )
    except Conflict:
        approval.refresh_from_db()
        if approval.status != ApprovalStatus.PENDING:
            raise Conflict(_decided_message(approval)) from None
        raise
    return approval  # as recorded (the flow changes nothing else on it)


# --- absences (set by the office's manager on the staff pages) --------------------------------


class AbsenceError(WorkflowError):
    """A refused absence; `field` names the form field it belongs to."""

    def __init__(self, message, field: str = ""):
        super().__init__(message)
        self.field = field


def _office_today(person: User) -> datetime.date:
    office = person.home_office
    return timezone.localtime(timezone.now(), office.tzinfo if office else None).date()


def _check_deputy(person: User, deputy: User | None) -> None:
    if deputy is None:
        return
    if deputy.pk == person.pk:
        raise AbsenceError(_("Someone cannot be their own deputy."), field="deputy")
    if not deputy.is_active:
        raise AbsenceError(
            _("%(who)s is deactivated: choose an active supervisor.") % {"who": deputy},
            field="deputy",
        )
    if deputy.home_office_id != person.home_office_id:
        raise AbsenceError(
            _("%(who)s works in another office: the deputy must be a supervisor of this office.")
            % {"who": deputy},
            field="deputy",
        )
    if Role.SUPERVISOR not in deputy.role_names:
        raise AbsenceError(
            _("%(who)s is not a supervisor: the deputy decides approvals.") % {"who": deputy},
            field="deputy",
        )


def _check_dates(person: User, starts_on: datetime.date, ends_on: datetime.date) -> None:
    if ends_on < starts_on:
        raise AbsenceError(_("The absence cannot end before it starts."), field="ends_on")
    if ends_on < _office_today(person):
        raise AbsenceError(_("The absence has already ended: nothing to record."), field="ends_on")
    overlapping = (
        SupervisorAbsence.objects.filter(
            supervisor=person, starts_on__lte=ends_on, ends_on__gte=starts_on
        )
        .order_by("starts_on")
        .first()
    )
    if overlapping is not None:
        raise AbsenceError(
            _(
                "This overlaps the absence from %(start)s to %(end)s: cancel that one first,"
                " or choose other dates."
            )
            % {"start": overlapping.starts_on, "end": overlapping.ends_on},
            field="starts_on",
        )


@transaction.atomic
def supervisor_absence_set(
    *,
    actor: User,
    person: User,
    starts_on: datetime.date,
    ends_on: datetime.date,
    deputy: User | None = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> SupervisorAbsence:
    """Record an absence (inclusive dates); while it lasts, approvals routed to the person go
    to the deputy (a supervisor of the same office), else another supervisor or the manager."""
    if not staff_may_manage(actor, person):
        raise NotPermitted(_("You may not change this account."))
    User.objects.select_for_update().filter(pk=person.pk).exists()  # one change at a time
    _check_dates(person, starts_on, ends_on)
    _check_deputy(person, deputy)
    absence = SupervisorAbsence.objects.create(
        supervisor=person, starts_on=starts_on, ends_on=ends_on, deputy=deputy, note=note.strip()
    )
    account_event_record(
        action=AccountAction.ABSENCE_SET,
        actor=actor,
        subject=person,
        request=request,
        details={
            "from": starts_on.isoformat(),
            "until": ends_on.isoformat(),
            "deputy": deputy.username if deputy else None,
        },
    )
    return absence


@transaction.atomic
def supervisor_absence_cancel(
    *, actor: User, absence: SupervisorAbsence, request: HttpRequest | None = None
) -> SupervisorAbsence | None:
    """The person is back (or will not be away): an absence not started yet is removed; one
    under way ends yesterday. Returns the shortened absence, or None when it was removed."""
    person = absence.supervisor
    if not staff_may_manage(actor, person):
        raise NotPermitted(_("You may not change this account."))
    locked = SupervisorAbsence.objects.select_for_update().filter(pk=absence.pk).first()
    today = _office_today(person)
    if locked is None or locked.ends_on < today:
        raise AbsenceError(_("This absence is already over."))
    details = {"from": locked.starts_on.isoformat(), "until": locked.ends_on.isoformat()}
    result: SupervisorAbsence | None
    if locked.starts_on >= today:
        locked.delete()
        result = None
    else:
        locked.ends_on = today - datetime.timedelta(days=1)
        locked.save(update_fields=["ends_on"])
        details["ended"] = locked.ends_on.isoformat()
        result = locked
    account_event_record(
        action=AccountAction.ABSENCE_CANCELLED,
        actor=actor,
        subject=person,
        request=request,
        details=details,
    )
    return result
