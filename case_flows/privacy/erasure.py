"""Erasure requests (maker-checker): a caseworker on the case records a person's request, a
supervisor who did not make it approves or refuses it with a reason. The system refuses it
itself while the law requires keeping the records (a policy flagged
`erasure_blocked_during_retention`, within its period), naming the legal basis. Approval
anonymises every case of the person at once (they must all be closed)."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Role, User
from notifications.models import Event
from notifications.outbox import notify
from workflows.errors import Conflict, NotPermitted, WorkflowError

from .. import timeline
from ..locking import case_lock
from ..models import Case, ErasureGrounds, ErasureRequest, ErasureStatus, Person, Stage
from ..permissions import CasePerm, can_see_case, can_work_on
from ..restriction import case_notice
from .selectors import policy_for, policy_table, retention_ends
from .services import case_anonymise

# The notification's "task": stored as its English source text, translated for the reader.
ERASURE_TASK = gettext_noop("Erasure request")


class ErasureError(WorkflowError):
    pass


def open_cases_of(person: Person) -> list[Case]:
    return list(Case.objects.filter(person=person).exclude(stage=Stage.CLOSED).order_by("pk"))


def erasure_block(person: Person, *, shown_on: Case | None = None) -> str | None:
    """Why the law requires keeping this person's data today, or None. A case of a statutory
    category is kept while open and until its retention ends. The answer is read on the page
    of `shown_on`: another case of the person that is restricted is not named."""
    table = policy_table()
    today = timezone.localdate()
    cases = Case.objects.filter(person=person, anonymised_at__isnull=True).select_related("office")
    for case in cases.order_by("pk"):
        policy = policy_for(
            table, jurisdiction=case.office.jurisdiction, category_id=case.category_id
        )
        if policy is None or not policy.erasure_blocked_during_retention:
            continue
        ends = retention_ends(case, policy)
        if ends is None or ends >= today:
            return _(
                "The law requires keeping the records of case %(reference)s until %(until)s: "
                "%(basis)s"
            ) % {
                # The reason is kept and shown on the person's other cases: a restricted
                # case is not named there.
                "reference": case.reference
                if not case.is_restricted or (shown_on is not None and shown_on.pk == case.pk)
                else _("[restricted case]"),
                "until": date_format(ends, "SHORT_DATE_FORMAT")
                if ends
                else _("its closure and retention period"),
                "basis": policy.legal_basis,
            }
    return None


def may_request_erasure(user: User, case: Case) -> bool:
    return can_work_on(user, case) and case.person.anonymised_at is None


def _supervisors_of(case: Case) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, home_office_id=case.office_id, groups__name=Role.SUPERVISOR
        ).distinct()
    )


def _refuse(request: ErasureRequest, *, actor: User | None, reason: str) -> None:
    request.status = ErasureStatus.REFUSED
    request.decided_by, request.decided_at = actor, timezone.now()
    request.decision_reason = reason
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    timeline.erasure_changed(
        request.case, actor=actor, request=request, action="refused", comment=reason
    )


def erasure_request(*, case: Case, actor: User, grounds: str, details: str) -> ErasureRequest:
    """Record a person's erasure request from their case. Refused at once, with the legal
    basis, when the law requires keeping the records; otherwise it waits for a supervisor."""
    if not can_work_on(actor, case):
        raise NotPermitted(_("Only someone working on this case can record an erasure request."))
    if grounds not in ErasureGrounds.values:
        raise ErasureError(_("Choose the grounds of the request."))
    person = case.person
    if person.anonymised_at is not None:
        raise ErasureError(_("This person's data has already been anonymised."))
    if open_cases_of(person):
        raise ErasureError(
            _("Every case of this person must be closed before their data can be erased.")
        )
    try:
        with transaction.atomic():
            locked = case_lock(case.pk)
            request = ErasureRequest.objects.create(
                person=person,
                case=locked,
                office_id=locked.office_id,
                requested_by=actor,
                grounds=grounds,
                details=details.strip(),
            )
            timeline.erasure_changed(locked, actor=actor, request=request, action="requested")
            block = erasure_block(person, shown_on=locked)
            if block is not None:
                _refuse(request, actor=None, reason=block)
                return request
            for supervisor in _supervisors_of(locked):
                if supervisor.pk == actor.pk:
                    continue
                notify(
                    recipient=supervisor,
                    event=Event.APPROVAL_REQUESTED,
                    dedupe_key=f"erasure:{request.pk}:requested:{supervisor.pk}",
                    link=reverse("erasure_decide", args=[request.pk]),
                    # A restricted case is never named in a notification.
                    **case_notice(locked, task=ERASURE_TASK),
                    actor=actor,
                )
    except IntegrityError as exc:
        raise Conflict(_("An erasure request for this person is already waiting.")) from exc
    return request


def _tell_requester(request: ErasureRequest, *, actor: User, approved: bool) -> None:
    if request.requested_by_id == actor.pk:
        return
    notify(
        recipient=request.requested_by,
        event=Event.APPROVAL_DECIDED,
        dedupe_key=f"erasure:{request.pk}:decided",
        link=reverse("case_erasure", args=[request.case_id]),
        # A restricted case is never named in a notification.
        **case_notice(
            request.case,
            decision="approved" if approved else "rejected",
            kind="erasure",
            task=ERASURE_TASK,
        ),
        actor=actor,
    )


def erasure_decide(
    *, request: ErasureRequest, actor: User, approve: bool, reason: str
) -> ErasureRequest:
    """A supervisor approves (every case of the person is anonymised now) or refuses (with a
    reason). Never the person who made the request; a decided request is a conflict."""
    if not (actor.has_perm(CasePerm.APPROVE_CASE) and can_see_case(actor, request.case)):
        raise NotPermitted(_("Only a supervisor of this case can decide an erasure request."))
    if request.requested_by_id == actor.pk:
        raise NotPermitted(
            _("You made this request: another supervisor must decide it (maker-checker).")
        )
    if not approve and not reason.strip():
        raise ErasureError(_("Say why the request is refused."))
    with transaction.atomic():
        case_lock(request.case_id)  # the one lock order: flow locks, the case, the request
        request = (
            ErasureRequest.objects.select_for_update().select_related("case").get(pk=request.pk)
        )
        if request.status != ErasureStatus.PENDING:
            raise Conflict(
                _("This request was already decided: %(status)s.")
                % {"status": request.get_status_display()}
            )
        if not approve:
            _refuse(request, actor=actor, reason=reason.strip())
        elif open_cases_of(request.person):
            _refuse(
                request,
                actor=actor,
                reason=_("A case of this person was reopened: close it before erasure."),
            )
            approve = False
        elif (block := erasure_block(request.person, shown_on=request.case)) is not None:
            _refuse(request, actor=actor, reason=block)
            approve = False
        else:
            _approve(request, actor=actor, reason=reason.strip())
        _tell_requester(request, actor=actor, approved=approve)
    return request


def _approve(request: ErasureRequest, *, actor: User, reason: str) -> None:
    request.status = ErasureStatus.APPROVED
    request.decided_by, request.decided_at = actor, timezone.now()
    request.decision_reason = reason
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    timeline.erasure_changed(request.case, actor=actor, request=request, action="approved")
    case_pks = Case.objects.filter(
        person_id=request.person_id, anonymised_at__isnull=True
    ).values_list("pk", flat=True)
    for case_pk in sorted(case_pks):
        case_anonymise(case_pk=case_pk, actor=actor, cause="erasure")
    request.status = ErasureStatus.DONE
    request.save(update_fields=["status"])
