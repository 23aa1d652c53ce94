"""Transfers: a case follows its client, to another caseworker of the same office (the
supervisor decides) or to another office (requested here, decided by the receiving office's
supervisor, who allocates it). The case reference never changes.

Open tasks are moved, not cancelled and recreated: a task carries the deadlines that started
when the work arose (time already spent still counts after the move), it belongs to the same
flow process (the episode goes on), and an approval task holds its pending Approval. Work
tasks owned by the previous caseworker go to the new one; tasks held by anybody else (say an
approval routed to the sending supervisor) go back to the queue, which follows the case's
office and team, so the receiving office's supervisors find them there.
"""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Office, Role, Team, User
from accounts.scope import scope_for
from notifications.models import Event
from notifications.outbox import notify
from workflows.errors import Conflict, NotPermitted, WorkflowError
from workflows.queue import conflicts_as_errors, task_reassign
from workflows.sla.services import sla_clocks_reassign

from .. import timeline
from ..flows import CaseFlow
from ..locking import case_lock
from ..models import (
    Case,
    CaseTransfer,
    Referral,
    ReferralStatus,
    Stage,
    TransferStatus,
)
from ..permissions import CasePerm, can_see_case, is_caseworker
from ..restriction import case_notice


class TransferError(WorkflowError):
    pass


def _transfer_comment(transfer, caseworker) -> str:
    """Written in the receiving office's language, like the allocation note."""
    with translation.override(transfer.to_office.default_language or "en"):
        return _("Transferred from %(office)s; allocated to %(who)s.") % {
            "office": transfer.from_office,
            "who": caseworker,
        }


def _open_tasks(case: Case) -> list[Task]:
    return list(
        Task.objects.filter(
            process__caseprocess__case=case,
            process__flow_class=CaseFlow,
            flow_task_type="HUMAN",
            status__in=[STATUS.NEW, STATUS.ASSIGNED],
        ).order_by("pk")
    )


def _sees(user: User, case: Case) -> bool:
    return can_see_case(user, case)


def _team_in_office(caseworker: User, office_id: int, preferred: Team | None) -> Team | None:
    if preferred is not None and preferred.office_id == office_id:
        if preferred.members.filter(pk=caseworker.pk).exists():
            return preferred
    return caseworker.teams.filter(office_id=office_id).order_by("pk").first()


def _check_caseworker(caseworker: User, office_id: int) -> None:
    if not (is_caseworker(caseworker)):
        raise TransferError(_("%(who)s is not a caseworker.") % {"who": caseworker})
    if not caseworker.teams.filter(office_id=office_id).exists():
        raise TransferError(
            _("%(who)s does not work in a team of this office.") % {"who": caseworker}
        )


def _follow_open_referrals(case: Case, *, owner, team, office=None) -> None:
    """A referral's answer deadline is escalated to whoever now holds the case."""
    changes = {"owner": owner, "team": team}
    if office is not None:
        changes["office"] = office
    for referral in Referral.objects.filter(
        case=case, status__in=[ReferralStatus.SENT, ReferralStatus.ACCEPTED]
    ):
        sla_clocks_reassign(subject=referral, **changes)


def _tell_new_owner(case: Case, *, owner: User, actor: User, key: str) -> None:
    if owner.pk == actor.pk:
        return
    notify(
        recipient=owner,
        event=Event.CASE_TRANSFERRED,
        dedupe_key=f"transfer:{case.pk}:{key}:{owner.pk}",
        link=reverse("case_detail", args=[case.pk]),
        actor=actor,
        **case_notice(case),
    )


# --- within the office ------------------------------------------------------------------


def case_transfer_within_office(
    *, case: Case, actor: User, caseworker: User, reason: str, team: Team | None = None
) -> Case:
    """The supervisor gives the case, and the previous caseworker's open tasks, to another
    caseworker of the same office."""
    if not (actor.has_perm(CasePerm.ALLOCATE_CASE) and _sees(actor, case)):
        raise NotPermitted(_("Only a supervisor of this case can give it to another caseworker."))
    if not reason.strip():
        raise TransferError(_("Say why the case is transferred."))
    _check_caseworker(caseworker, case.office_id)
    with conflicts_as_errors(), transaction.atomic():
        locked = case_lock(case.pk)  # flow locks first, then the case row
        if locked.stage == Stage.CLOSED:
            raise Conflict(_("A closed case cannot be transferred."))
        if locked.owner_id == caseworker.pk:
            raise TransferError(_("%(who)s already holds this case.") % {"who": caseworker})
        previous = locked.owner
        new_team = _team_in_office(caseworker, locked.office_id, team or locked.team)
        # Tasks first, while the actor's scope still covers the case (workflows.queue checks).
        for task in _open_tasks(locked):
            if previous is not None and task.owner_id == previous.pk:
                task_reassign(task=task, actor=actor, to_user=caseworker)
        locked.owner, locked.team = caseworker, new_team
        locked.save(update_fields=["owner", "team"])
        sla_clocks_reassign(subject=locked, team=new_team)
        _follow_open_referrals(locked, owner=caseworker, team=new_team)
        timeline.transfer_changed(
            locked,
            actor=actor,
            action="within_office",
            comment=reason.strip(),
            data={
                "from_owner": previous.pk if previous else None,
                "to_owner": caseworker.pk,
                "team": new_team.pk if new_team else None,
            },
        )
        _tell_new_owner(
            locked, owner=caseworker, actor=actor, key=f"same:{timezone.now().timestamp()}"
        )
    return locked


# --- to another office --------------------------------------------------------------------


def may_request_transfer(user: User, case: Case) -> bool:
    if case.stage == Stage.CLOSED or not _sees(user, case):
        return False
    return case.owner_id == user.pk or user.has_perm(CasePerm.ALLOCATE_CASE)


def transfer_request(*, case: Case, actor: User, to_office: Office, reason: str) -> CaseTransfer:
    """The owner or the supervisor asks another office to take the case; until it answers,
    the case stays with the sending office."""
    if not may_request_transfer(actor, case):
        raise NotPermitted(_("Only the caseworker or a supervisor of this case can transfer it."))
    if not reason.strip():
        raise TransferError(_("Say why the case is transferred."))
    if to_office.pk == case.office_id:
        raise TransferError(
            _("The case is already in this office; give it to another caseworker instead.")
        )
    if not to_office.is_active:
        raise TransferError(_("This office is no longer active."))
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
            transfer = CaseTransfer.objects.create(
                case=locked,
                from_office_id=locked.office_id,
                from_team_id=locked.team_id,
                from_owner_id=locked.owner_id,
                to_office=to_office,
                reason=reason.strip(),
                requested_by=actor,
            )
            timeline.transfer_changed(
                locked,
                actor=actor,
                action="requested",
                comment=reason.strip(),
                data={"transfer": transfer.pk, "to_office": to_office.pk},
            )
            # The receiving office's supervisors decide: tell them.
            for supervisor in User.objects.filter(
                is_active=True, home_office=to_office, groups__name=Role.SUPERVISOR
            ).distinct():
                notify(
                    recipient=supervisor,
                    event=Event.TRANSFER_REQUESTED,
                    dedupe_key=f"transfer:{transfer.pk}:requested:{supervisor.pk}",
                    link=reverse("transfers_incoming"),
                    **case_notice(locked),
                    actor=actor,
                )
    except IntegrityError as exc:
        raise Conflict(_("A transfer of this case is already waiting for an answer.")) from exc
    return transfer


def _receiving_supervisor(user: User, transfer: CaseTransfer) -> bool:
    if not user.has_perm(CasePerm.ALLOCATE_CASE):
        return False
    scope = scope_for(user)
    return scope.all_offices or (
        Role.SUPERVISOR in user.role_names and user.home_office_id == transfer.to_office_id
    )


def _locked_pending(transfer: CaseTransfer) -> CaseTransfer:
    locked = CaseTransfer.objects.select_for_update().get(pk=transfer.pk)
    if locked.status != TransferStatus.REQUESTED:
        raise Conflict(
            _("This transfer was already answered: %(status)s.")
            % {"status": locked.get_status_display()}
        )
    return locked


def _move_tasks_to(case: Case, *, caseworker: User, previous_owner_id: int | None) -> None:
    """Under each process's flow lock: the previous caseworker's tasks go to the new one
    (when they hold the task's role); any other held task goes back to the queue."""
    for task in _open_tasks(case):
        if task.owner_id is None:
            continue
        with task.flow_task.flow_class.lock(task.process_id):
            task.refresh_from_db()
            if task.status not in (STATUS.NEW, STATUS.ASSIGNED) or task.owner_id is None:
                continue
            activation = task.flow_task.activation_class(task)
            may_do = not task.owner_permission or caseworker.has_perm(task.owner_permission)
            if task.owner_id == previous_owner_id and may_do:
                activation.reassign(caseworker)
                task.assigned = timezone.now()
                task.save(update_fields=["assigned"])
                sla_clocks_reassign(task=task, owner=caseworker)
            else:
                activation.unassign()
                sla_clocks_reassign(task=task, owner=None)


def transfer_accept(
    *, transfer: CaseTransfer, actor: User, caseworker: User, team: Team | None = None
) -> CaseTransfer:
    """The receiving supervisor accepts and allocates: office, team and owner change, open
    tasks and deadlines move, and access moves with the case."""
    if not _receiving_supervisor(actor, transfer):
        raise NotPermitted(_("Only a supervisor of the receiving office can answer."))
    _check_caseworker(caseworker, transfer.to_office_id)
    with conflicts_as_errors(), transaction.atomic():
        # The case's flow locks, then the case row: the order task completion takes them in.
        case = case_lock(transfer.case_id)
        transfer = _locked_pending(transfer)
        if case.stage == Stage.CLOSED:
            raise Conflict(_("A closed case cannot be transferred."))
        new_team = _team_in_office(caseworker, transfer.to_office_id, team)
        previous_owner_id = case.owner_id
        _move_tasks_to(case, caseworker=caseworker, previous_owner_id=previous_owner_id)
        case.office_id, case.team, case.owner = transfer.to_office_id, new_team, caseworker
        case.save(update_fields=["office", "team", "owner"])
        sla_clocks_reassign(subject=case, office=transfer.to_office, team=new_team)
        _follow_open_referrals(case, owner=caseworker, team=new_team, office=transfer.to_office)
        now = timezone.now()
        transfer.status = TransferStatus.ACCEPTED
        transfer.to_team, transfer.to_owner = new_team, caseworker
        transfer.decided_by, transfer.decided_at = actor, now
        transfer.save(update_fields=["status", "to_team", "to_owner", "decided_by", "decided_at"])
        timeline.transfer_changed(
            case,
            actor=actor,
            action="accepted",
            comment=_transfer_comment(transfer, caseworker),
            data={
                "transfer": transfer.pk,
                "from_office": transfer.from_office_id,
                "to_office": transfer.to_office_id,
                "to_owner": caseworker.pk,
                "team": new_team.pk if new_team else None,
            },
            created_at=now,
        )
        _tell_new_owner(case, owner=caseworker, actor=actor, key=f"office:{transfer.pk}")
    return transfer


def transfer_decline(*, transfer: CaseTransfer, actor: User, reason: str) -> CaseTransfer:
    if not _receiving_supervisor(actor, transfer):
        raise NotPermitted(_("Only a supervisor of the receiving office can answer."))
    if not reason.strip():
        raise TransferError(_("Say why the transfer is declined."))
    with conflicts_as_errors(), transaction.atomic():
        case_lock(transfer.case_id)  # the one lock order: flow locks, case, then the transfer
        transfer = _locked_pending(transfer)
        transfer.status = TransferStatus.DECLINED
        transfer.decline_reason = reason.strip()
        transfer.decided_by, transfer.decided_at = actor, timezone.now()
        transfer.save(update_fields=["status", "decline_reason", "decided_by", "decided_at"])
        case = transfer.case
        timeline.transfer_changed(
            case,
            actor=actor,
            action="declined",
            comment=transfer.decline_reason,
            data={"transfer": transfer.pk, "to_office": transfer.to_office_id},
        )
        told = {transfer.requested_by_id, transfer.from_owner_id}
        for user_id in {i for i in told if i is not None and i != actor.pk}:
            notify(
                recipient=User.objects.get(pk=user_id),
                event=Event.TRANSFER_DECLINED,
                dedupe_key=f"transfer:{transfer.pk}:declined:{user_id}",
                link=reverse("case_detail", args=[case.pk]),
                actor=actor,
                **case_notice(case),
            )
    return transfer


def transfer_cancel(*, transfer: CaseTransfer, actor: User) -> CaseTransfer:
    """The sending side takes back a request that has not been answered."""
    case = transfer.case
    if not may_request_transfer(actor, case):
        raise NotPermitted(_("Only the caseworker or a supervisor of this case can transfer it."))
    with conflicts_as_errors(), transaction.atomic():
        case_lock(transfer.case_id)  # the one lock order: flow locks, case, then the transfer
        transfer = _locked_pending(transfer)
        transfer.status = TransferStatus.CANCELLED
        transfer.decided_by, transfer.decided_at = actor, timezone.now()
        transfer.save(update_fields=["status", "decided_by", "decided_at"])
        timeline.transfer_changed(
            case,
            actor=actor,
            action="cancelled",
            data={"transfer": transfer.pk, "to_office": transfer.to_office_id},
        )
    return transfer
