"""The case timeline: writers for the events of completed work, and the words each row shows.

Rows are stored with keys and ids (the step "breach", the clock, the provider's name), never
with sentences in the writer's language: `describe` turns a page of rows into text in the
reader's language, with a fixed number of queries whatever the number of rows.
"""

from collections.abc import Callable

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from workflows.sla.models import SlaClock
from workflows.sla.units import policy_display_name

from .models import Case, CaseEvent, ContactMode, EventKind, ReviewOutcome, Risk, Stage

# --- writers: every CaseEvent is written here, one function per kind of event -------------


def _event(case: Case, *, kind: str, actor, comment: str = "", data=None, **fields) -> CaseEvent:
    """One row at the case's current stage (a stage move passes its own from/to)."""
    fields.setdefault("from_stage", case.stage)
    fields.setdefault("to_stage", case.stage)
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=actor, comment=comment, data=data or {}, **fields
    )


def case_opened(case: Case, *, actor, at) -> CaseEvent:
    return _event(
        case,
        kind=EventKind.OPENED,
        actor=actor,
        from_stage="",
        to_stage=Stage.INTAKE,
        created_at=at,
    )


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
    """A flow step fired a stage transition (or a same-stage step such as an approval)."""
    return _event(
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


def case_allocated(case: Case, *, actor, caseworker, team, comment: str) -> CaseEvent:
    return _event(
        case,
        kind=EventKind.ALLOCATED,
        actor=actor,
        comment=comment,
        data={"owner": caseworker.pk, "team": team.pk},
    )


def approval_requested(case: Case, *, actor, approval_kind: str, record_id: int) -> CaseEvent:
    return _event(
        case,
        kind=EventKind.SUBMITTED,
        actor=actor,
        data={"approval_kind": approval_kind, "record_id": record_id},
    )


def risk_changed(case: Case, *, actor, old: str, comment: str) -> CaseEvent:
    return _event(
        case,
        kind=EventKind.RISK_CHANGED,
        actor=actor,
        comment=comment,
        data={"from": old, "to": case.risk},
    )


def relative_added(case: Case, *, actor, relative, relation) -> CaseEvent:
    return _event(
        case,
        kind=EventKind.RECORD,
        actor=actor,
        comment=_("%(who)s added as %(relationship)s")
        % {"who": relative, "relationship": relation.get_relationship_display()},
        data={"relative": relative.pk},
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


def referral_changed(referral, *, actor, action: str, comment: str = "", **data) -> CaseEvent:
    return _event(
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


def transfer_changed(
    case: Case, *, actor, action: str, data: dict, comment: str = "", created_at=None
) -> CaseEvent:
    """One row per step of a transfer: within_office, requested, accepted, declined, cancelled."""
    when = {"created_at": created_at} if created_at is not None else {}
    return _event(
        case,
        kind=EventKind.TRANSFER,
        actor=actor,
        transition=f"transfer_{action}",
        comment=comment,
        data=data,
        **when,
    )


def deadlines_escalated(entries) -> list[CaseEvent]:
    """The sweep's escalations, one row each, written in one statement: `entries` are
    (case_id, stage, escalation, extra data) tuples."""
    return CaseEvent.objects.bulk_create(
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
    return CaseEvent.objects.bulk_create(
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


# --- reading: what each row says ---------------------------------------------------------

WORK_TITLES = {
    "intake_completed": gettext_lazy("Intake completed"),
    "follow_up_recorded": gettext_lazy("Follow-up recorded"),
    "referrals_arranged": gettext_lazy("Referrals arranged"),
}
NEXT_STEPS = {
    "continue": gettext_lazy("continue following up"),
    "close": gettext_lazy("prepare the closure"),
    "reassess": gettext_lazy("reassess the case"),
    "revise_plan": gettext_lazy("revise the case plan"),
    "new_referral": gettext_lazy("make a new referral"),
}
RECORD_KINDS = {
    "assessment": gettext_lazy("Assessment"),
    "plan": gettext_lazy("Case plan"),
    "closure": gettext_lazy("Closure"),
}
RECORD_KIND_BY_STAGE: dict[str, str] = {
    Stage.ASSESSMENT: "assessment",
    Stage.PLANNING: "plan",
    Stage.CLOSING: "closure",
}
SLA_TITLES = {
    "warning": gettext_lazy("Deadline approaching"),
    "breach": gettext_lazy("Deadline missed"),
}
REFERRAL_TITLES = {
    "referral_sent": gettext_lazy("Referral sent"),
    "referral_accepted": gettext_lazy("Referral accepted"),
    "referral_declined": gettext_lazy("Referral declined"),
    "referral_completed": gettext_lazy("Referral completed"),
    "referral_withdrawn": gettext_lazy("Referral withdrawn"),
    "referral_consent_override": gettext_lazy("Consent refusal overridden"),
}
TRANSFER_TITLES = {
    "transfer_within_office": gettext_lazy("Moved to another team"),
    "transfer_requested": gettext_lazy("Transfer requested"),
    "transfer_accepted": gettext_lazy("Transferred"),
    "transfer_declined": gettext_lazy("Transfer declined"),
    "transfer_cancelled": gettext_lazy("Transfer cancelled"),
    "tasks_handed_over": gettext_lazy("Work handed over"),
}


def _names(users: dict, ids) -> str:
    return ", ".join(str(users[i]) for i in ids if i in users)


def _when(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def _deadline_subject(clock, data: dict) -> str:
    """What the deadline times: a task, claiming it, a stage, the decision, an answer."""
    if data.get("referral"):
        return _("the answer of %(provider)s to the referral") % {
            "provider": data.get("provider") or "—"
        }
    if clock is not None and clock.task_id and clock.task.flow_task is not None:
        title = clock.task.flow_task.task_title
        if clock.kind == "unclaimed":
            return _("claiming the task “%(task)s”") % {"task": title}
        return _("the task “%(task)s”") % {"task": title}
    name = clock.name if clock is not None else data.get("deadline", "")
    if name == "decision":
        return _("the decision on the case")
    if name in Stage.values:
        return _("the stage “%(stage)s”") % {"stage": Stage(name).label}
    return _("the case")


def _sla(event: CaseEvent, clocks: dict, users: dict) -> tuple[str, str]:
    data = event.data or {}
    clock = clocks.get(data.get("clock"))
    step = data.get("step", "")
    values = {
        "deadline": clock.policy.display_name
        if clock is not None
        else policy_display_name(data.get("deadline") or "") or _("a deadline"),
        "subject": _deadline_subject(clock, data),
        "due": _when(clock.due_at) if clock is not None else "—",
        "who": _names(users, data.get("recipients", [])),
    }
    nobody = not values["who"]
    if step == "warning":
        text = (
            _("“%(deadline)s” for %(subject)s is due %(due)s.")
            if nobody
            else _("“%(deadline)s” for %(subject)s is due %(due)s; %(who)s warned.")
        )
    elif step == "breach":
        text = (
            _("“%(deadline)s” for %(subject)s was missed (due %(due)s).")
            if nobody
            else _("“%(deadline)s” for %(subject)s was missed (due %(due)s); %(who)s told.")
        )
    else:
        text = (
            _("Escalated: “%(deadline)s” for %(subject)s is overdue (due %(due)s).")
            if nobody
            else _("Escalated to %(who)s: “%(deadline)s” for %(subject)s is overdue (due %(due)s).")
        )
    title = SLA_TITLES.get(step) or _("Deadline escalated")
    return str(title), text % values


def _referral(event: CaseEvent) -> tuple[str, str]:
    data = event.data or {}
    values = {"provider": data.get("provider") or "—", "service": data.get("service_type") or "—"}
    texts = {
        "referral_sent": _("Referred to %(provider)s for %(service)s."),
        "referral_accepted": _("%(provider)s accepted the referral for %(service)s."),
        "referral_declined": _("%(provider)s declined the referral for %(service)s."),
        "referral_completed": _("%(provider)s completed the service: %(service)s."),
        "referral_withdrawn": _("The referral to %(provider)s for %(service)s was withdrawn."),
        "referral_consent_override": _(
            "Sent to %(provider)s for %(service)s although the client did not consent."
        ),
    }
    title = REFERRAL_TITLES.get(event.transition, event.get_kind_display())
    text = texts.get(event.transition)
    return str(title), (text % values if text else "")


def _work(event: CaseEvent) -> tuple[str, str]:
    data = event.data or {}
    work = data.get("work", "")
    title = str(WORK_TITLES.get(work, event.get_kind_display()))
    if work == "follow_up_recorded":
        mode = dict(ContactMode.choices).get(data.get("mode", ""), "—")
        step = NEXT_STEPS.get(data.get("next_step", ""), "—")
        return title, _("%(mode)s; next: %(step)s.") % {"mode": mode, "step": step}
    if work == "referrals_arranged":
        count = data.get("count", 0)
        if not count:
            return title, _("No referral needed.")
        return title, ""  # each referral sent has its own row
    return title, ""


def _decision(event: CaseEvent) -> tuple[str, str]:
    data = event.data or {}
    if event.kind == EventKind.SUBMITTED:
        record = RECORD_KINDS.get(data.get("approval_kind", ""))
        if record is None:
            return event.get_kind_display(), ""
        return event.get_kind_display(), _("%(record)s submitted for approval.") % {
            "record": record
        }
    if event.kind == EventKind.APPROVED:
        record = RECORD_KINDS.get(event.transition.removeprefix("approve_"))
        return event.get_kind_display(), (
            _("%(record)s approved.") % {"record": record} if record else ""
        )
    record = RECORD_KINDS.get(RECORD_KIND_BY_STAGE.get(event.from_stage, ""))
    if event.transition == "withdraw_submission":
        title, text = _("Submission withdrawn"), _("%(record)s taken back for revision.")
    else:
        title, text = event.get_kind_display(), _("%(record)s returned for revision.")
    return title, (text % {"record": record} if record else "")


def _risk(event: CaseEvent) -> str:
    data = event.data or {}
    labels = dict(Risk.choices)
    if data.get("from") in labels and data.get("to") in labels:
        return _("From %(from)s to %(to)s.") % {
            "from": labels[data["from"]],
            "to": labels[data["to"]],
        }
    return ""


def _transfer(event: CaseEvent) -> tuple[str, str]:
    return str(TRANSFER_TITLES.get(event.transition, event.get_kind_display())), ""


def _handover(event: CaseEvent, users: dict) -> tuple[str, str]:
    data = event.data or {}
    values = {
        "from": _names(users, [data.get("from_user")]) or "—",
        "to": _names(users, [data.get("to_user")]) or "—",
        "moved": data.get("moved", 0),
        "queued": data.get("queued", 0),
    }
    parts = []
    if values["moved"]:
        parts.append(
            ngettext(
                "%(moved)s open task of %(from)s was handed over to %(to)s.",
                "%(moved)s open tasks of %(from)s were handed over to %(to)s.",
                values["moved"],
            )
            % values
        )
    if values["queued"]:
        parts.append(
            ngettext(
                "%(queued)s open task of %(from)s went back to the queue.",
                "%(queued)s open tasks of %(from)s went back to the queue.",
                values["queued"],
            )
            % values
        )
    if data.get("owner_moved"):
        parts.append(_("The case passed from %(from)s to %(to)s.") % values)
    return str(TRANSFER_TITLES["tasks_handed_over"]), " ".join(parts)


def _note(event: CaseEvent) -> tuple[str, str]:
    data = event.data or {}
    if data.get("overdue_review"):
        return _("Overdue case reviewed"), ""
    if data.get("reassessment_requested"):
        return _("Reassessment requested"), ""
    return event.get_kind_display(), ""


def _review(event: CaseEvent) -> tuple[str, str]:
    outcome = dict(ReviewOutcome.choices).get((event.data or {}).get("outcome", ""))
    detail = _("Outcome: %(outcome)s.") % {"outcome": outcome} if outcome else ""
    return event.get_kind_display(), detail


# How each kind of event is told (kinds not here: their label and no sentence).
DESCRIBERS: dict[str, Callable[[CaseEvent], tuple[str, str]]] = {
    EventKind.REFERRAL: _referral,
    EventKind.TASK: _work,
    EventKind.SUBMITTED: _decision,
    EventKind.APPROVED: _decision,
    EventKind.RETURNED: _decision,
    EventKind.RISK_CHANGED: lambda event: (event.get_kind_display(), _risk(event)),
    EventKind.TRANSFER: _transfer,
    EventKind.NOTE: _note,
    EventKind.REVIEW: _review,
}


def _is_handover(event: CaseEvent) -> bool:
    return event.kind == EventKind.TRANSFER and event.transition == "tasks_handed_over"


def describe(events: list[CaseEvent]) -> list[CaseEvent]:
    """Give each row `what` (a short title) and `detail` (a sentence), in the active
    language. Two queries at most (the deadlines' clocks, the people told), whatever the
    number of rows."""
    sla = [e for e in events if e.kind == EventKind.SLA]
    handovers = [e for e in events if _is_handover(e)]
    clocks, users = {}, {}
    if sla:
        clock_ids = {e.data.get("clock") for e in sla if (e.data or {}).get("clock")}
        clocks = SlaClock.objects.select_related("policy", "task").in_bulk(clock_ids)
    user_ids = {i for e in sla for i in (e.data or {}).get("recipients", [])}
    user_ids |= {(e.data or {}).get(key) for e in handovers for key in ("from_user", "to_user")} - {
        None
    }
    if user_ids:
        users = User.objects.in_bulk(user_ids)
    for event in events:
        if event.kind == EventKind.SLA:
            what, detail = _sla(event, clocks, users)
        elif _is_handover(event):
            what, detail = _handover(event, users)
        elif event.kind in DESCRIBERS:
            what, detail = DESCRIBERS[event.kind](event)
        else:
            what, detail = event.get_kind_display(), ""
        # display attributes for the template, set on the row itself
        event.what, event.detail = str(what), str(detail)  # type: ignore[attr-defined]
    return events
