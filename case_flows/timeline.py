"""The case timeline's writers: every CaseEvent is written here, one function per kind of
event. Rows are stored with keys and ids (the step "breach", the clock, the provider's name),
never with sentences in the writer's language; timeline_text.py tells them in the reader's.
"""

import dataclasses

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Office
from config.compiled import insert
from config.observability.metrics import STAGE_TRANSITIONS
from notifications.models import WebhookEventType as Hook
from notifications.webhooks import WebhookRequest, webhook_subscribed_offices, webhooks_emit
from workflows.sla.models import SlaPolicy

from .models import Case, CaseEvent, EventKind, Stage

# --- writers: every CaseEvent is written here, one function per kind of event -------------


def _event(
    case: Case, *, kind: str, actor, comment: str = "", data=None, save: bool = True, **fields
) -> CaseEvent:
    """One row at the case's current stage (a stage move passes its own from/to).
    `save=False`: the row unsaved, for a writer of many cases at once (events_write)."""
    fields.setdefault("from_stage", case.stage)
    fields.setdefault("to_stage", case.stage)
    event = CaseEvent(case=case, kind=kind, actor=actor, comment=comment, data=data or {}, **fields)
    if save:
        insert(event)  # event.save(force_insert=True), its SQL compiled once
    return event


# --- webhooks: the timeline rows that are also an office's webhook events ----------------------
# Written in the same transaction as the row (so a rolled-back change sends nothing and a
# committed one cannot be lost), delivered by Celery after commit (notifications.webhooks).
# Identifiers and codes only: never a comment, a name or a note (docs/webhooks.md).


def _case_reference(case: Case, *, restricted: bool = False) -> str | None:
    """A restricted case is named by its id alone, as in every notification."""
    return None if (restricted or case.is_restricted) else case.reference


def _hook(
    case: Case,
    event: CaseEvent,
    hook: str,
    data: dict,
    *,
    office_id: int | None = None,
    restricted: bool = False,
) -> WebhookRequest:
    office_id = office_id or case.office_id
    return WebhookRequest(
        office_id=office_id,
        event=hook,
        source_key=f"caseevent:{event.pk}:{hook}:{office_id}",
        occurred_at=event.created_at,
        case_id=case.pk,
        case_reference=_case_reference(case, restricted=restricted),
        data=data,
    )


def events_write(events: list[CaseEvent]) -> None:
    """The rows built with `save=False` (an import's batch), in one statement."""
    CaseEvent.objects.bulk_create(events)


def case_opened(
    case: Case, *, actor, at, candidates_shown: list[int] | None = None, save: bool = True
) -> CaseEvent:
    """`candidates_shown`: the people the search before registering offered (ids), when a
    new person was registered anyway (None: no search was made)."""
    data = {} if candidates_shown is None else {"candidates_shown": candidates_shown}
    event = _event(
        case,
        kind=EventKind.OPENED,
        actor=actor,
        from_stage="",
        to_stage=Stage.INTAKE,
        created_at=at,
        data=data,
        save=save,
    )
    if save:  # a bulk import's rows (save=False) are history, not news
        # The restriction of a category restricted by default is written just after this.
        restricted = case.category.restricted_by_default
        webhooks_emit(
            [_hook(case, event, Hook.CASE_OPENED, {"stage": Stage.INTAKE}, restricted=restricted)]
        )
    return event


def stage_moved(
    case: Case,
    *,
    actor,
    kind: str,
    transition: str,
    from_stage: str,
    comment: str,
    data,
    at,
    stage_entered_at,
) -> CaseEvent:
    """A flow step fired a stage transition (or a same-stage step such as an approval).
    An approval's step passes `data` {"approval", "approval_kind", "status", "auto_approved"}."""
    event = _event(
        case,
        kind=kind,
        actor=actor,
        from_stage=from_stage,
        transition=transition,
        comment=comment,
        data=data,
        created_at=at,
        # the dashboard's time in stage reads this instead of looking up the entry event
        stage_entered_at=stage_entered_at,
    )
    hooks = []
    if data and data.get("approval"):
        hooks.append(_hook(case, event, Hook.APPROVAL_DECIDED, _approval_data(data)))
    if from_stage != case.stage:
        moved = {"from_stage": from_stage, "to_stage": case.stage, "transition": transition}
        transaction.on_commit(STAGE_TRANSITIONS.labels(from_stage, case.stage).inc)
        hooks.append(_hook(case, event, Hook.STAGE_CHANGED, moved))
        if case.stage == Stage.CLOSED:
            closed = {"from_stage": from_stage, "episode": case.episode}
            hooks.append(_hook(case, event, Hook.CASE_CLOSED, closed))
    webhooks_emit(hooks)
    return event


def _approval_data(data: dict) -> dict:
    return {
        "approval": data["approval"],
        "approval_kind": data.get("approval_kind", ""),
        "status": data.get("status", ""),
        "auto_approved": bool(data.get("auto_approved")),
        # the administrative decision approved (approval_kind "decision")
        **({"decision": data["decision"]} if data.get("decision") else {}),
    }


def case_allocated(
    case: Case, *, actor, caseworker, team, comment: str, save: bool = True
) -> CaseEvent:
    event = _event(
        case,
        kind=EventKind.ALLOCATED,
        actor=actor,
        comment=comment,
        data={"owner": caseworker.pk, "team": team.pk},
        save=save,
    )
    if save:
        assigned = {"owner": caseworker.pk, "team": team.pk, "how": "allocated"}
        webhooks_emit([_hook(case, event, Hook.CASE_ASSIGNED, assigned)])
    return event


def approval_requested(
    case: Case, *, actor, approval_kind: str, record_id: int, save: bool = True
) -> CaseEvent:
    return _event(
        case,
        kind=EventKind.SUBMITTED,
        actor=actor,
        data={"approval_kind": approval_kind, "record_id": record_id},
        save=save,
    )


def risk_changed(case: Case, *, actor, old: str, comment: str) -> CaseEvent:
    return _event(
        case,
        kind=EventKind.RISK_CHANGED,
        actor=actor,
        comment=comment,
        data={"from": old, "to": case.risk},
    )


def relative_added(case: Case, *, actor, relative, relation, save: bool = True) -> CaseEvent:
    return _event(
        case,
        kind=EventKind.RECORD,
        actor=actor,
        comment=_("%(who)s added as %(relationship)s")
        % {"who": relative, "relationship": relation.get_relationship_display()},
        data={"relative": relative.pk},
        save=save,
    )


def reassessment_requested(case: Case, *, actor, reason: str) -> CaseEvent:
    return _event(
        case,
        kind=EventKind.NOTE,
        actor=actor,
        comment=reason,
        data={"reassessment_requested": True},
    )


def overdue_review_recorded(case: Case, *, actor, note: str) -> CaseEvent:
    return _event(
        case, kind=EventKind.NOTE, actor=actor, comment=note, data={"overdue_review": True}
    )


def review_recorded(case: Case, *, actor, review, note: str) -> CaseEvent:
    return _event(
        case,
        kind=EventKind.REVIEW,
        actor=actor,
        transition="case_review",
        comment=note,
        data={"review": review.pk, "outcome": review.outcome, "period": str(review.period)},
    )


REFERRAL_ANSWERS = ("accepted", "declined", "completed")


def referral_changed(referral, *, actor, action: str, comment: str = "", **data) -> CaseEvent:
    event = _event(
        referral.case,
        kind=EventKind.REFERRAL,
        actor=actor,
        transition=f"referral_{action}",
        comment=comment,
        data={
            "referral": referral.pk,
            "provider": referral.provider_name,
            "service_type": referral.service_type,
            "status": referral.status,
            **data,
        },
    )
    if action in REFERRAL_ANSWERS:
        answered = {
            "referral": referral.pk,
            "answer": action,
            "status": referral.status,
            "provider": referral.provider_id,
        }
        webhooks_emit([_hook(referral.case, event, Hook.REFERRAL_ANSWERED, answered)])
    return event


def transfer_changed(
    case: Case, *, actor, action: str, data: dict, comment: str = "", created_at=None
) -> CaseEvent:
    """One row per step of a transfer: within_office, requested, accepted, declined, cancelled."""
    when = {"created_at": created_at} if created_at is not None else {}
    event = _event(
        case,
        kind=EventKind.TRANSFER,
        actor=actor,
        transition=f"transfer_{action}",
        comment=comment,
        data=data,
        **when,
    )
    if action == "within_office":
        assigned = {
            "owner": data.get("to_owner"),
            "team": data.get("team"),
            "previous_owner": data.get("from_owner"),
            "how": "reassigned",
        }
        webhooks_emit([_hook(case, event, Hook.CASE_ASSIGNED, assigned)])
    elif action == "accepted":
        _transfer_completed(case, event, data)
    return event


def _transfer_completed(case: Case, event: CaseEvent, data: dict) -> None:
    """Both offices hear of it: the one the case left and the one it joined."""
    office_ids = [data["from_office"], data["to_office"]]
    if not webhook_subscribed_offices(office_ids, Hook.TRANSFER_COMPLETED):
        return
    codes = dict(Office.objects.filter(pk__in=office_ids).values_list("pk", "code"))
    completed = {
        "transfer": data.get("transfer"),
        "from_office": codes.get(data["from_office"]),
        "to_office": codes.get(data["to_office"]),
        "owner": data.get("to_owner"),
        "team": data.get("team"),
    }
    webhooks_emit(
        [
            _hook(case, event, Hook.TRANSFER_COMPLETED, completed, office_id=office_id)
            for office_id in office_ids
        ]
    )


def restriction_changed(
    case: Case, *, actor, action: str, reason: str, save: bool = True
) -> CaseEvent:
    """The case was restricted ("restricted"; "restricted_by_category" at registration) or
    its restriction lifted ("lifted"), with the reason."""
    return _event(
        case, kind=EventKind.RESTRICTION, actor=actor, transition=action, comment=reason, save=save
    )


def access_changed(case: Case, *, actor, action: str, grant, save: bool = True) -> CaseEvent:
    """The access list changed: "granted" (named), "emergency" (break the glass), "revoked"."""
    data = {"user": grant.user_id, "grant": grant.pk}
    if grant.expires_at is not None:
        data["expires_at"] = grant.expires_at.isoformat()
    return _event(
        case,
        kind=EventKind.ACCESS,
        actor=actor,
        transition=f"access_{action}",
        comment=grant.reason if action != "revoked" else "",
        data=data,
        save=save,
    )


def deadlines_escalated(entries) -> list[CaseEvent]:
    """The sweep's escalations, one row each, written in one statement: `entries` are
    (case_id, stage, escalation, extra data) tuples."""
    entries = list(entries)
    events = CaseEvent.objects.bulk_create(
        CaseEvent(
            case_id=case_id,
            kind=EventKind.SLA,
            from_stage=stage,
            to_stage=stage,
            data={
                "clock": escalation.clock.pk,
                "deadline": escalation.clock.name,
                "kind": escalation.clock.kind,
                "step": escalation.key,
                **extra,
                "recipients": escalation.recipient_ids,
            },
        )
        for case_id, stage, escalation, extra in entries
    )
    _deadlines_breached(entries, events)
    return events


def _deadlines_breached(entries: list, events: list[CaseEvent]) -> None:
    """deadline_breached, once per clock (at its first breach step), for the offices that
    subscribe: one query when none does."""
    breaches = [
        (entry, event) for entry, event in zip(entries, events, strict=True) if entry[2].breach
    ]
    if not breaches:
        return
    offices = webhook_subscribed_offices(
        {entry[2].clock.office_id for entry, _event in breaches}, Hook.DEADLINE_BREACHED
    )
    breaches = [(e, ev) for e, ev in breaches if e[2].clock.office_id in offices]
    if not breaches:
        return
    cases = Case.objects.in_bulk({entry[0] for entry, _event in breaches})
    policies = dict(
        SlaPolicy.objects.filter(
            pk__in={entry[2].clock.policy_id for entry, _event in breaches}
        ).values_list("pk", "key")
    )
    requests = []
    for (case_id, _stage, escalation, extra), event in breaches:
        clock, case = escalation.clock, cases.get(case_id)
        if case is None:
            continue
        request = _hook(
            case,
            event,
            Hook.DEADLINE_BREACHED,
            {
                "clock": clock.pk,
                "deadline": clock.name,
                "deadline_kind": clock.kind,
                "policy": policies.get(clock.policy_id),
                "due_at": clock.due_at.isoformat() if clock.due_at else None,
                "step": escalation.key,
                "referral": extra.get("referral"),
            },
            office_id=clock.office_id,
        )
        # Once per clock, however many breach steps its ladder has.
        requests.append(
            dataclasses.replace(request, source_key=f"deadline_breached:clock:{clock.pk}")
        )
    webhooks_emit(requests)


# --- one per kind of completed work ------------------------------------------------------


def _work_done(case: Case, *, actor, work: str, comment: str = "", **data) -> CaseEvent:
    return _event(
        case,
        kind=EventKind.TASK,
        actor=actor,
        transition=work,
        comment=comment,
        data={"work": work, **data},
    )


def intake_completed(case: Case, *, actor, intake) -> CaseEvent:
    return _work_done(
        case,
        actor=actor,
        work="intake_completed",
        source=intake.source,
        immediate_safety=intake.immediate_safety,
    )


def follow_up_recorded(case: Case, *, actor, follow_up, next_step: str) -> CaseEvent:
    return _work_done(
        case,
        actor=actor,
        work="follow_up_recorded",
        comment=follow_up.notes,
        follow_up=follow_up.pk,
        date=follow_up.date.isoformat(),
        mode=follow_up.mode,
        next_step=next_step,
    )


def referrals_arranged(case: Case, *, actor, count: int) -> CaseEvent:
    return _work_done(case, actor=actor, work="referrals_arranged", count=count)


def work_handed_over(
    cases: list[Case],
    *,
    actor,
    from_user,
    to_user,
    moved: dict[int, int],
    queued: dict[int, int],
    owner_moved: set[int],
    reason: str = "",
    at=None,
) -> list[CaseEvent]:
    """One event per case when a person's open work is handed over at once (a colleague
    left or went on leave): how many of its tasks went to whom or back to the queue, and
    whether the case itself now belongs to the colleague. One INSERT for all the cases."""
    at = at or timezone.now()
    events = CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case=case,
                kind=EventKind.TRANSFER,
                actor=actor,
                from_stage=case.stage,
                to_stage=case.stage,
                transition="tasks_handed_over",
                comment=reason,
                created_at=at,
                data={
                    "from_user": from_user.pk,
                    "to_user": to_user.pk if to_user is not None else None,
                    "moved": moved.get(case.pk, 0),
                    "queued": queued.get(case.pk, 0),
                    "owner_moved": case.pk in owner_moved,
                },
            )
            for case in cases
        ]
    )
    if to_user is not None and owner_moved:
        webhooks_emit(
            [
                _hook(
                    case,
                    event,
                    Hook.CASE_ASSIGNED,
                    {
                        "owner": to_user.pk,
                        "team": case.team_id,
                        "previous_owner": from_user.pk,
                        "how": "handed_over",
                    },
                )
                for case, event in zip(cases, events, strict=True)
                if case.pk in owner_moved
            ]
        )
    return events


# --- erasure and retention (case_flows/privacy) --------------------------------------------


def erasure_changed(case: Case, *, actor, request, action: str, comment: str = "") -> CaseEvent:
    """One row per step of an erasure request: requested, approved, refused (by a supervisor
    or, when the law requires keeping the records, by the system). The request's details
    stay on the request: the timeline names its grounds only."""
    return _event(
        case,
        kind=EventKind.ERASURE,
        actor=actor,
        transition=f"erasure_{action}",
        comment=comment,
        data={"erasure_request": request.pk, "grounds": request.grounds},
    )


REDACTED = "[redacted]"
# `data` values kept on redaction: ids, counts, flags (any non-string), and the strings under
# these keys, which are codes, dates or directory names, never a person's words or details.
DATA_KEYS_KEPT = frozenset(
    {
        "approval_kind", "work", "source", "immediate_safety", "date", "mode", "next_step",
        "outcome", "period", "provider", "service_type", "status", "urgency", "deadline",
        "kind", "step", "from", "to", "grounds", "cause",
    }
)  # fmt: skip


def _redacted_data(data: dict) -> dict:
    redacted = {
        key: value if not isinstance(value, str) or key in DATA_KEYS_KEPT else REDACTED
        for key, value in data.items()
    }
    # A rectification's or a merge's {field: [old, new]}: the fields stay, the values go.
    if isinstance(redacted.get("changes"), dict):
        redacted["changes"] = {name: [REDACTED, REDACTED] for name in redacted["changes"]}
    return redacted


def events_redact(case: Case) -> int:
    """The timeline's one controlled redaction path: every comment of the case and the
    free-text values of its data become "[redacted]"; kinds, stages, times and ids stay.
    Runs inside the caller's transaction: `SET LOCAL caseflow.redaction` lets the append-only
    trigger pass UPDATEs that change `comment` and `data` only, until the transaction ends.
    Returns how many rows were redacted."""
    assert connection.in_atomic_block, "events_redact() needs an outer transaction"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL caseflow.redaction = 'on'")
    changed = []
    for event in CaseEvent.objects.filter(case=case).only("pk", "comment", "data"):
        data = _redacted_data(event.data or {})
        comment = REDACTED if event.comment else ""
        if comment != event.comment or data != (event.data or {}):
            event.comment, event.data = comment, data
            changed.append(event)
    CaseEvent.objects.bulk_update(changed, ["comment", "data"], batch_size=500)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL caseflow.redaction = 'off'")
    return len(changed)


def personal_data_redacted(case: Case, *, actor, cause: str, counts: dict[str, int]) -> CaseEvent:
    """Records a redaction: why (retention or erasure) and how many of each kind of row
    were redacted, never what they said."""
    return _event(
        case,
        kind=EventKind.REDACTED,
        actor=actor,
        transition=f"redacted_{cause}",
        data={"cause": cause, "counts": counts},
    )


def person_changed(case: Case, *, actor, changes: dict) -> CaseEvent:
    """The client's details were corrected (rectification): {field: [old, new]}, changed
    fields only, values as stored (dates in ISO)."""
    return _event(case, kind=EventKind.PERSON_CHANGED, actor=actor, data={"changes": changes})


def people_merged(
    cases: list[Case], *, actor, merge_id: int, source_id: int, target_id: int, changes: dict
) -> list[CaseEvent]:
    """Two records of the client were merged (case_flows.registry.merge): one row on every
    case of either person, in one INSERT. `changes`: {field: [old, new]} of the kept record,
    values as stored, never free text."""
    return _bulk(
        cases,
        kind=EventKind.MERGED,
        actor=actor,
        data={"merge": merge_id, "source": source_id, "target": target_id, "changes": changes},
    )


def people_merge_undone(
    cases: list[Case], *, actor, merge_id: int, source_id: int, target_id: int, changes: dict
) -> list[CaseEvent]:
    """A merge was undone: one row on every case it had touched; `changes` as restored."""
    return _bulk(
        cases,
        kind=EventKind.MERGE_UNDONE,
        actor=actor,
        data={"merge": merge_id, "source": source_id, "target": target_id, "changes": changes},
    )


def _bulk(cases: list[Case], *, kind: str, actor, data: dict) -> list[CaseEvent]:
    at = timezone.now()
    return CaseEvent.objects.bulk_create(
        CaseEvent(
            case=case,
            kind=kind,
            actor=actor,
            from_stage=case.stage,
            to_stage=case.stage,
            created_at=at,
            data=data,
        )
        for case in cases
    )


def subject_access_produced(case: Case, *, actor, file_format: str) -> CaseEvent:
    """A subject-access file on the client was produced from this case ("json" or "html")."""
    return _event(case, kind=EventKind.SUBJECT_ACCESS, actor=actor, data={"format": file_format})


def case_imported(
    case: Case, *, actor, source_system: str, external_ref: str, data, save: bool = True
) -> CaseEvent:
    """The case came from another system (case_flows/imports): where from, its id there, and
    what the source said of its history (opened, closed, stage, caseworker)."""
    return _event(
        case,
        kind=EventKind.IMPORTED,
        actor=actor,
        transition="imported",
        data={"source_system": source_system, "external_ref": external_ref, **(data or {})},
        save=save,
    )


def household_changed(case: Case, *, actor, action: str, save: bool = True, **data) -> CaseEvent:
    """The client's household changed: `action` is "household_created", "member_added",
    "member_moved_in" (from another household), "member_moved_out", "income_recorded" or
    "income_deleted"; data holds ids and codes only (person, household, "kind" the
    relationship to the head, "source", "period" YYYY-MM, "date" ISO)."""
    return _event(
        case, kind=EventKind.HOUSEHOLD, actor=actor, transition=action, data=data, save=save
    )


def attachment_added(case: Case, *, actor, attachment) -> CaseEvent:
    """A file was attached: its id, kind and record (the name goes on redaction)."""
    return _event(
        case,
        kind=EventKind.ATTACHMENT_ADDED,
        actor=actor,
        data={
            "attachment": attachment.pk,
            "kind": attachment.kind,
            "name": attachment.original_name,
        },
    )


def document_generated(case: Case, *, actor, attachment, template) -> CaseEvent:
    """A document was generated from a template and stored as an attachment: which
    template version and language made it."""
    return _event(
        case,
        kind=EventKind.DOCUMENT_GENERATED,
        actor=actor,
        data={
            "attachment": attachment.pk,
            "kind": attachment.kind,
            "name": attachment.original_name,
            "template": template.pk,
            "template_key": template.key,
            "template_name": template.name,
            "version": template.version,
            "language": template.language,
        },
    )


def attachment_deleted(case: Case, *, actor, attachment, reason: str) -> CaseEvent:
    """An attachment was deleted (softly: the file stays until the retention job)."""
    return _event(
        case,
        kind=EventKind.ATTACHMENT_DELETED,
        actor=actor,
        comment=reason,
        data={
            "attachment": attachment.pk,
            "kind": attachment.kind,
            "name": attachment.original_name,
        },
    )


def attachments_shared(referral, *, actor, attachment_ids: list[int]) -> CaseEvent:
    """The attachments a referral shares with its provider were chosen (ids, in full)."""
    return referral_changed(
        referral, actor=actor, action="attachments_shared", attachments=attachment_ids
    )


def decision_changed(
    case: Case, *, actor, decision, action: str, comment: str = "", **data
) -> CaseEvent:
    """A step of an administrative decision (started, approved, returned, issued, delivered,
    final, appealed, appeal answered) or of a KPA art. 36 notice (delay_notice_sent)."""
    event = _event(
        case,
        kind=EventKind.DECISION,
        actor=actor,
        transition=action,
        comment=comment,
        data={
            "decision": decision.pk if decision is not None else None,
            "number": getattr(decision, "number", "") or "",
            "kind": decision.kind_id if decision is not None else None,
            **data,
        },
    )
    if data.get("approval"):  # a supervisor's decision on it (flow.steps)
        decided = _approval_data({**data, "decision": decision.pk})
        webhooks_emit([_hook(case, event, Hook.APPROVAL_DECIDED, decided)])
    return event
