"""Decision writes: start (a draft and its preparation task), save and submit the draft, issue
(the art. 107 check, the number, the PDF, the KPA deadline stops), record delivery (the appeal
period starts), the appeal and its answer, the end of the appeal period, and the KPA art. 36
notice. Illegal moves and lost races raise Conflict (409); bad input DecisionError (400)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.models import Task

from accounts.models import User
from workflows.errors import Conflict, NotPermitted, WorkflowError
from workflows.queue import task_complete
from workflows.sla.models import SlaClock
from workflows.sla.services import sla_clock_open, sla_clock_pause, sla_clock_stop
from workflows.sla.units import ClockStatus, PauseReason

from .. import timeline
from ..cases.services import expect_node
from ..documents.services import attachment_create
from ..flow import hooks as task_hooks
from ..flow.steps import process_decision
from ..flows import CaseFlow
from ..models import (
    AppealOutcome,
    AttachmentKind,
    Case,
    Decision,
    DecisionGrants,
    DecisionKind,
    DecisionNumberCounter,
    DecisionStatus,
    DelayNotice,
    DelayNoticeStatus,
    FeePer,
    HoursPer,
    Stage,
)
from ..permissions import can_work_on, has_lead_role
from .document import decision_pdf, delay_notice_pdf
from .selectors import kinds_for_office

APPEAL_CLOCK = "appeal_period"

# The draft's fields a caseworker writes (the task page's form, decision_save/submit).
CONTENT_FIELDS = (
    "legal_basis",
    "ruling",
    "amount",
    "currency",
    "period_from",
    "period_to",
    "service",
    "hours",
    "hours_per",
    "client_fee",
    "client_fee_per",
    "reasoning",
    "appeal_instruction",
    "preparer_position",
    "signer_name",
    "signer_position",
)

# The elements of KPA art. 107 § 1 (and what the ruling grants), named in the refusal.
ELEMENTS = {
    "authority": gettext_lazy("the authority (the office's name)"),
    "date": gettext_lazy("the date of issue"),
    "party": gettext_lazy("the party's name"),
    "legal_basis": gettext_lazy("the legal basis"),
    "ruling": gettext_lazy("the ruling"),
    "amount": gettext_lazy("the amount, its currency and the period it is granted from"),
    "service": gettext_lazy("the service and its hours per week or month"),
    "reasoning": gettext_lazy("the reasoning"),
    "appeal_instruction": gettext_lazy("the instruction on appeal"),
    "signature": gettext_lazy("the signature (the signer's name and position)"),
}


class DecisionError(WorkflowError):
    """Bad input for a decision (400); the message says what to correct."""


def _status_conflict(decision: Decision) -> Conflict:
    return Conflict(
        _("This cannot be done now: the decision is %(status)s. Nothing was changed.")
        % {"status": decision.get_status_display().lower()}
    )


def _office_today(case: Case) -> datetime.date:
    return timezone.localdate(timezone.now(), timezone=case.office.tzinfo)


def _locked(decision: Decision) -> Decision:
    return (
        Decision.objects.select_for_update(of=("self",))
        .select_related("kind", "case__office", "case__person", "case__team")
        .get(pk=decision.pk)
    )


def _require_worker(actor: User, case: Case) -> None:
    if not can_work_on(actor, case):
        raise NotPermitted(_("You cannot work on this case."))


# --- what a decision must say ---------------------------------------------------------------


def _issue_elements_missing(decision: Decision) -> list[str]:
    """What the issue adds to the content: the authority, the party (not erased), the
    signature."""
    case, missing = decision.case, []
    if not (case.office.name or "").strip():
        missing.append("authority")
    person = case.person
    if person.anonymised_at is not None or not f"{person.given_name}{person.family_name}":
        missing.append("party")
    return missing


def _granted_missing(decision: Decision) -> list[str]:
    grants = decision.kind.grants
    if grants == DecisionGrants.AMOUNT and not (
        decision.amount and decision.currency and decision.period_from
    ):
        return ["amount"]
    if grants == DecisionGrants.SERVICE and not (
        decision.service.strip() and decision.hours and decision.hours_per
    ):
        return ["service"]
    return []


def missing_elements(decision: Decision, *, for_issue: bool) -> list[str]:
    """The element keys a decision lacks (ELEMENTS): its content when submitted; with
    `for_issue`, also the authority, the party and the signature. A letter that is not an
    administrative decision needs no legal basis or reasoning; one that cannot be appealed,
    no instruction on appeal."""
    kind = decision.kind
    missing = _issue_elements_missing(decision) if for_issue else []
    if kind.administrative and not decision.legal_basis.strip():
        missing.append("legal_basis")
    if not decision.ruling.strip():
        missing.append("ruling")
    missing += _granted_missing(decision)
    if kind.administrative and not decision.reasoning.strip():
        missing.append("reasoning")
    if kind.appealable and not decision.appeal_instruction.strip():
        missing.append("appeal_instruction")
    if for_issue and not (decision.signer_name.strip() and decision.signer_position.strip()):
        missing.append("signature")
    return missing


def missing_message(missing: Iterable[str], *, issuing: bool) -> str:
    names = ", ".join(str(ELEMENTS[key]) for key in missing)
    if issuing:
        return _("The decision cannot be issued. Missing: %(elements)s.") % {"elements": names}
    return _("The decision cannot be submitted yet. Missing: %(elements)s.") % {"elements": names}


_STRIPPED = (
    "legal_basis",
    "ruling",
    "reasoning",
    "appeal_instruction",
    "service",
    "preparer_position",
    "signer_name",
    "signer_position",
)


def _check_numbers(cleaned: dict) -> None:
    currency = cleaned.get("currency") or ""
    if currency and (len(currency) != 3 or not currency.isalpha()):
        raise DecisionError(_("Give the currency as its three-letter code, e.g. PLN."))
    for name in ("amount", "hours", "client_fee"):
        value = cleaned.get(name)
        if value is not None and Decimal(value) < 0:
            raise DecisionError(_("Amounts, hours and fees cannot be negative."))
    if cleaned.get("hours") and cleaned.get("hours_per") not in HoursPer.values:
        raise DecisionError(_("Say whether the hours are per week or per month."))
    fee_per = cleaned.get("client_fee_per")
    if cleaned.get("client_fee") is not None and fee_per not in FeePer.values:
        raise DecisionError(_("Say whether the client's fee is per hour or per month."))
    start, end = cleaned.get("period_from"), cleaned.get("period_to")
    if start and end and end < start:
        raise DecisionError(_("The period cannot end before it starts."))


def _clean_content(values: dict) -> dict:
    """The draft's fields, checked for what a form may not know (a service caller)."""
    unknown = set(values) - set(CONTENT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown decision fields: {sorted(unknown)}")
    cleaned = dict(values)
    for name in _STRIPPED:
        if name in cleaned:
            cleaned[name] = (cleaned[name] or "").strip()
    if "currency" in cleaned:
        cleaned["currency"] = (cleaned["currency"] or "").strip().upper()
    _check_numbers(cleaned)
    return cleaned


# The draft's fields stored as NULL when empty; the others are text ("" when empty).
_NULLABLE = {"amount", "period_from", "period_to", "hours", "client_fee"}


def _apply(decision: Decision, values: dict) -> None:
    for name, value in _clean_content(values).items():
        setattr(decision, name, value if value is not None or name in _NULLABLE else "")


# --- preparing --------------------------------------------------------------------------------


@transaction.atomic
def decision_start(*, case: Case, actor: User, kind: DecisionKind) -> Decision:
    """A new draft of this kind on the case, with the kind's default legal basis and
    instruction on appeal, and its preparation task (the caseworker's inbox)."""
    _require_worker(actor, case)
    if case.stage == Stage.CLOSED:
        raise Conflict(_("The case is closed: reopen it before preparing a decision."))
    if case.person.anonymised_at is not None:
        raise Conflict(_("The client's data was erased: no decision can be addressed to them."))
    if kind.pk not in {k.pk for k in kinds_for_office(case.office)}:
        raise DecisionError(_("This kind of decision is not used by this office."))
    decision = Decision.objects.create(
        case=case,
        kind=kind,
        legal_basis=kind.legal_basis,
        appeal_instruction=kind.appeal_instruction.replace("{authority}", case.office.name),
        created_by=actor,
    )
    process = CaseFlow.start_decision.run(case=case, actor=actor)
    decision.process = process
    decision.save(update_fields=["process"])
    timeline.decision_changed(case, actor=actor, decision=decision, action="decision_started")
    return decision


def preparation_task(decision: Decision) -> Task | None:
    """The open preparation task of the decision, if it is in preparation."""
    if decision.process_id is None:
        return None
    return (
        Task.objects.filter(
            process_id=decision.process_id,
            flow_task_type="HUMAN",
            status__in=("NEW", "ASSIGNED", "STARTED"),
        )
        .order_by("-pk")
        .first()
    )


@transaction.atomic
def decision_save(*, decision: Decision, actor: User, **values) -> Decision:
    """Save the draft without submitting it."""
    decision = _locked(decision)
    _require_worker(actor, decision.case)
    if decision.status != DecisionStatus.DRAFT:
        raise _status_conflict(decision)
    _apply(decision, values)
    decision.save()
    return decision


def decision_submit(*, task: Task, actor: User, **values) -> Decision:
    """The caseworker submits the draft: its content must be complete; it then waits for a
    supervisor's approval (or is approved at once where the office does not require it)."""
    expect_node(task, "prepare_decision")

    def submit(activation):
        decision = process_decision(activation.process)
        if decision.status != DecisionStatus.DRAFT:
            raise _status_conflict(decision)
        _apply(decision, values)
        missing = missing_elements(decision, for_issue=False)
        if missing:
            raise DecisionError(missing_message(missing, issuing=False))
        decision.status = DecisionStatus.AWAITING_APPROVAL
        decision.prepared_by = actor
        decision.save()
        return decision

    decision = task_complete(task=task, actor=actor, work=submit)
    decision.refresh_from_db()
    return decision


# --- issuing ----------------------------------------------------------------------------------


def _next_number(decision: Decision, year: int) -> str:
    office = decision.case.office
    DecisionNumberCounter.objects.bulk_create(
        [DecisionNumberCounter(office=office, year=year)], ignore_conflicts=True
    )
    counter = DecisionNumberCounter.objects.select_for_update().get(office=office, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"{office.code}.{counter.last_number}.{year}"


def may_complete_signer(actor: User, decision: Decision) -> bool:
    """Who may name the signer of an approved decision: its approver, or a supervisor or
    manager who works on the case."""
    return decision.approved_by_id == actor.pk or (
        has_lead_role(actor) and can_work_on(actor, decision.case)
    )


@transaction.atomic
def decision_sign(
    *, decision: Decision, actor: User, signer_name: str, signer_position: str
) -> Decision:
    """Complete the signature of an approved decision not yet issued (it was approved with
    none, or with a name but no position), so that it can be issued."""
    decision = _locked(decision)
    if decision.status != DecisionStatus.APPROVED:
        raise _status_conflict(decision)
    if not may_complete_signer(actor, decision):
        raise NotPermitted(_("Only its approver or a supervisor may name who signs it."))
    name, position = (signer_name or "").strip(), (signer_position or "").strip()
    if not (name and position):
        raise DecisionError(missing_message(["signature"], issuing=True))
    decision.signer_name, decision.signer_position = name, position
    decision.save(update_fields=["signer_name", "signer_position", "updated_at"])
    return decision


@transaction.atomic
def decision_issue(*, decision: Decision, actor: User) -> Decision:
    """Issue an approved decision: refused with the list of what is missing (KPA art. 107
    § 1); else numbered, dated, rendered to PDF and stored on the case, and the case's KPA
    decision deadline stops."""
    decision = _locked(decision)
    case = decision.case
    _require_worker(actor, case)
    if decision.status != DecisionStatus.APPROVED:
        raise _status_conflict(decision)
    missing = missing_elements(decision, for_issue=True)
    if missing:
        raise DecisionError(missing_message(missing, issuing=True))
    today = _office_today(case)
    decision.number = _next_number(decision, today.year)
    decision.issued_on = today
    decision.issued_by = actor
    decision.authority_name = case.office.name
    decision.party_name = f"{case.person.given_name} {case.person.family_name}".strip()
    decision.status = DecisionStatus.ISSUED
    pdf = decision_pdf(decision)
    decision.document = attachment_create(
        actor=actor,
        case=case,
        person=case.person,
        kind=AttachmentKind.DECISION,
        description=_("Decision %(number)s") % {"number": decision.number},
        file=ContentFile(pdf),
        name=f"decision-{decision.number}.pdf",
    )
    decision.save()
    # Issuing is the decision KPA art. 35 times; an unsent art. 36 notice is moot now.
    task_hooks.decision_clock_stop(case)
    task_hooks.refresh_overdue(case)
    DelayNotice.objects.filter(case=case, status=DelayNoticeStatus.DRAFT).delete()
    timeline.decision_changed(case, actor=actor, decision=decision, action="decision_issued")
    return decision


# --- delivery, the appeal period, the appeal ----------------------------------------------


def _appeal_clock(decision: Decision) -> SlaClock | None:
    return (
        SlaClock.objects.filter(
            subject_type=ContentType.objects.get_for_model(Decision),
            subject_id=decision.pk,
            name=APPEAL_CLOCK,
        )
        .order_by("-pk")
        .first()
    )


def appeal_period_end(decision: Decision) -> datetime.date | None:
    """The last day an appeal may be lodged (local date of the appeal clock's deadline)."""
    clock = _appeal_clock(decision)
    if clock is None:
        return None
    return timezone.localtime(clock.due_at, decision.case.office.tzinfo).date()


def _check_date(
    day: datetime.date | None, *, after: datetime.date | None, case: Case, what: str
) -> None:
    if day is None:
        raise DecisionError(_("Give the date %(what)s.") % {"what": what})
    if day > _office_today(case):
        raise DecisionError(_("The date %(what)s cannot be in the future.") % {"what": what})
    if after is not None and day < after:
        raise DecisionError(
            _("The date %(what)s cannot be before %(date)s.")
            % {"what": what, "date": formats.date_format(after)}
        )


@transaction.atomic
def decision_deliver(*, decision: Decision, actor: User, delivered_on: datetime.date) -> Decision:
    """The party received the decision: the appeal period runs from the next day (KPA
    art. 57 § 1), as an SLA clock in calendar days; a letter that cannot be appealed is final."""
    decision = _locked(decision)
    case = decision.case
    _require_worker(actor, case)
    if decision.status != DecisionStatus.ISSUED:
        raise _status_conflict(decision)
    _check_date(delivered_on, after=decision.issued_on, case=case, what=_("of delivery"))
    decision.delivered_on = delivered_on
    decision.status = DecisionStatus.DELIVERED
    if not decision.kind.appealable:
        decision.status, decision.final_on = DecisionStatus.FINAL, delivered_on
    decision.save()
    timeline.decision_changed(case, actor=actor, decision=decision, action="decision_delivered")
    if decision.kind.appealable:
        tz = case.office.tzinfo
        started = datetime.datetime.combine(delivered_on, datetime.time(12), tzinfo=tz)
        sla_clock_open(
            subject=decision,
            office=case.office,
            team=case.team,
            owner=case.owner,
            risk=case.risk,
            category=case.category.code,
            kind="stage",
            name=APPEAL_CLOCK,
            started_at=started,
            actor=actor,
        )
    return decision


def decisions_finalise(decision_ids: Iterable[int], *, skip_locked: bool = True) -> list[int]:
    """The appeal period of these decisions ended with no appeal: each becomes final the day
    after its last day, and its clock stops at its deadline (met: the period ran its course).
    Called by the sweep's handler inside its batch, which holds the clock rows: the decisions
    another transaction holds (an appeal being recorded) are skipped and returned, for a
    second call after the batch commits."""
    ids = list(decision_ids)
    query = Decision.objects.filter(pk__in=ids, status=DecisionStatus.DELIVERED)
    query = query.select_for_update(skip_locked=skip_locked, of=("self",))
    decisions = list(query.select_related("case__office", "kind"))
    busy = set(ids) - {d.pk for d in decisions} if skip_locked else set()
    if busy:
        busy -= set(
            Decision.objects.filter(pk__in=busy)
            .exclude(status=DecisionStatus.DELIVERED)
            .values_list("pk", flat=True)
        )
    for decision in decisions:
        clock = _appeal_clock(decision)
        if clock is None or clock.status != ClockStatus.RUNNING:
            continue
        sla_clock_stop(clock=clock, outcome="met", at=clock.due_at)
        last_day = timezone.localtime(clock.due_at, decision.case.office.tzinfo).date()
        decision.status = DecisionStatus.FINAL
        decision.final_on = last_day + datetime.timedelta(days=1)
        decision.save(update_fields=["status", "final_on", "updated_at"])
        timeline.decision_changed(
            decision.case, actor=None, decision=decision, action="decision_final"
        )
    return sorted(busy)


@transaction.atomic
def decision_appeal(*, decision: Decision, actor: User, lodged_on: datetime.date) -> Decision:
    """The party appealed (through this authority, to the appeal body): the decision is not
    final, and its appeal clock waits, paused, for the appeal body's answer."""
    decision = _locked(decision)
    case = decision.case
    _require_worker(actor, case)
    if not decision.kind.appealable or decision.status not in (
        DecisionStatus.DELIVERED,
        DecisionStatus.FINAL,
    ):
        raise _status_conflict(decision)
    _check_date(lodged_on, after=decision.delivered_on, case=case, what=_("the appeal was lodged"))
    last_day = appeal_period_end(decision)
    if last_day is not None and lodged_on > last_day:
        raise DecisionError(
            _(
                "The appeal period ended on %(date)s: an appeal lodged later is out of time"
                " (the appeal body decides on restoring the time limit, KPA art. 58)."
            )
            % {"date": formats.date_format(last_day)}
        )
    if decision.status == DecisionStatus.FINAL and decision.final_on is None:
        raise _status_conflict(decision)
    decision.status = DecisionStatus.APPEALED
    decision.appeal_lodged_on = lodged_on
    decision.final_on = None  # an appeal in time: it never was final
    decision.save()
    clock = _appeal_clock(decision)
    if clock is not None and clock.status == ClockStatus.RUNNING:
        sla_clock_pause(clock=clock, reason=PauseReason.WAITING_APPEAL_BODY, actor=actor)
    timeline.decision_changed(case, actor=actor, decision=decision, action="decision_appealed")
    return decision


AFTER_APPEAL = {
    AppealOutcome.UPHELD: DecisionStatus.FINAL,
    AppealOutcome.OVERTURNED: DecisionStatus.OVERTURNED,
    AppealOutcome.SENT_BACK: DecisionStatus.SENT_BACK,
}


@transaction.atomic
def decision_appeal_answer(
    *, decision: Decision, actor: User, outcome: str, answered_on: datetime.date
) -> Decision:
    """The appeal body answered: upheld (the decision is final), overturned, or sent back
    for reconsideration (the case needs a new decision: its KPA deadline runs again)."""
    decision = _locked(decision)
    case = decision.case
    _require_worker(actor, case)
    if decision.status != DecisionStatus.APPEALED:
        raise _status_conflict(decision)
    if outcome not in AFTER_APPEAL:
        raise DecisionError(_("Choose the appeal body's answer."))
    _check_date(answered_on, after=decision.appeal_lodged_on, case=case, what=_("of the answer"))
    decision.status = AFTER_APPEAL[AppealOutcome(outcome)]
    decision.appeal_outcome = outcome
    decision.appeal_answered_on = answered_on
    if outcome == AppealOutcome.UPHELD:
        decision.final_on = answered_on
    decision.save()
    clock = _appeal_clock(decision)
    if clock is not None and clock.is_open:
        sla_clock_stop(clock=clock, outcome="met", actor=actor)
    if outcome == AppealOutcome.SENT_BACK and case.stage != Stage.CLOSED:
        task_hooks.decision_clock_open(case)
    timeline.decision_changed(
        case, actor=actor, decision=decision, action="appeal_answered", outcome=outcome
    )
    return decision


# --- KPA art. 36 ------------------------------------------------------------------------------


def delay_notices_prepare(clocks: Iterable[SlaClock]) -> None:
    """One draft notice per breached decision deadline (a unique clock): safe to repeat."""
    rows = [DelayNotice(case_id=clock.subject_id, clock_id=clock.pk) for clock in clocks]
    DelayNotice.objects.bulk_create(rows, ignore_conflicts=True)


@transaction.atomic
def delay_notice_send(
    *,
    notice: DelayNotice,
    actor: User,
    reason: str,
    new_date: datetime.date,
    signer_name: str,
    signer_position: str,
) -> DelayNotice:
    """Complete the notice (the reason for the delay, the new date, who signs), render it,
    store the PDF on the case and record it on the timeline."""
    notice = (
        DelayNotice.objects.select_for_update(of=("self",))
        .select_related("case__office", "case__person")
        .get(pk=notice.pk)
    )
    case = notice.case
    _require_worker(actor, case)
    if notice.status != DelayNoticeStatus.DRAFT:
        raise Conflict(_("This notice was already sent; nothing was changed."))
    reason, signer_name, signer_position = (
        (reason or "").strip(),
        (signer_name or "").strip(),
        (signer_position or "").strip(),
    )
    missing = []
    if not reason:
        missing.append(_("the reason for the delay"))
    if new_date is None:
        missing.append(_("the new date for the decision"))
    if not (signer_name and signer_position):
        missing.append(str(ELEMENTS["signature"]))
    if missing:
        raise DecisionError(
            _("The notice cannot be sent. Missing: %(elements)s.")
            % {"elements": ", ".join(str(m) for m in missing)}
        )
    today = _office_today(case)
    if new_date <= today:
        raise DecisionError(_("The new date must be after today."))
    notice.reason, notice.new_date = reason, new_date
    notice.signer_name, notice.signer_position = signer_name, signer_position
    notice.status, notice.sent_on, notice.sent_by = DelayNoticeStatus.SENT, today, actor
    notice.document = attachment_create(
        actor=actor,
        case=case,
        person=case.person,
        kind=AttachmentKind.DECISION,
        description=_("KPA art. 36 notice"),
        file=ContentFile(delay_notice_pdf(notice)),
        name=f"kpa-art36-notice-{case.reference}-{today.isoformat()}.pdf",
    )
    notice.save()
    timeline.decision_changed(
        case,
        actor=actor,
        decision=None,
        action="delay_notice_sent",
        new_date=new_date.isoformat(),
    )
    return notice
