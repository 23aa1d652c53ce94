"""The words each timeline row shows, in the reader's language: `describe` turns a page of
rows (stored with keys and ids, never sentences) into a title and a sentence each, with a fixed
number of queries whatever the number of rows. The rows are written by timeline.py."""

import datetime
from collections.abc import Callable

from django.conf import settings
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from workflows.sla.models import SlaClock
from workflows.sla.units import policy_display_name

from .models import (
    AppealOutcome,
    AttachmentKind,
    CaseEvent,
    ContactMode,
    EventKind,
    Person,
    ReviewOutcome,
    Risk,
    Sex,
    Stage,
)

# --- writers: every CaseEvent is written here, one function per kind of event -------------


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
    "decision": gettext_lazy("Administrative decision"),
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
    "referral_attachments_shared": gettext_lazy("Attachments shared with the provider"),
}


TRANSFER_TITLES = {
    "transfer_within_office": gettext_lazy("Moved to another team"),
    "transfer_requested": gettext_lazy("Transfer requested"),
    "transfer_accepted": gettext_lazy("Transferred"),
    "transfer_declined": gettext_lazy("Transfer declined"),
    "transfer_cancelled": gettext_lazy("Transfer cancelled"),
    "tasks_handed_over": gettext_lazy("Work handed over"),
}


RESTRICTION_TITLES = {
    "restricted": gettext_lazy("Case restricted"),
    "restricted_by_category": gettext_lazy("Case restricted (its category is restricted)"),
    "lifted": gettext_lazy("Restriction lifted"),
}
ACCESS_TITLES = {
    "access_granted": gettext_lazy("Added to the access list"),
    "access_emergency": gettext_lazy("Emergency access (break the glass)"),
    "access_revoked": gettext_lazy("Removed from the access list"),
}
HOUSEHOLD_TITLES = {
    "household_created": gettext_lazy("Household recorded"),
    "member_added": gettext_lazy("Household member added"),
    "member_moved_in": gettext_lazy("Household member moved in from another household"),
    "member_moved_out": gettext_lazy("Household member moved out"),
    "income_recorded": gettext_lazy("Household income recorded"),
    "income_deleted": gettext_lazy("Household income removed"),
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
    if event.transition == "referral_attachments_shared":
        count = len(data.get("attachments") or [])
        return str(REFERRAL_TITLES[event.transition]), ngettext(
            "%(provider)s sees %(count)d attachment of this case.",
            "%(provider)s sees %(count)d attachments of this case.",
            count,
        ) % {"provider": values["provider"], "count": count}
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


ERASURE_TITLES = {
    "erasure_requested": gettext_lazy("Erasure requested"),
    "erasure_approved": gettext_lazy("Erasure approved"),
    "erasure_refused": gettext_lazy("Erasure refused"),
}
REDACTION_CAUSES = {
    "retention": gettext_lazy("Personal data redacted: the retention period ended."),
    "erasure": gettext_lazy("Personal data redacted: an erasure request was approved."),
}


def _erasure(event: CaseEvent) -> tuple[str, str]:
    title = ERASURE_TITLES.get(event.transition, event.get_kind_display())
    if event.transition == "erasure_refused" and event.actor_id is None:
        return str(title), _("Refused by the system: the law requires keeping the records.")
    return str(title), ""


def _redaction(event: CaseEvent) -> tuple[str, str]:
    data = event.data or {}
    counts = data.get("counts") or {}
    rows = sum(v for k, v in counts.items() if k not in ("people", "attachments"))
    cause = REDACTION_CAUSES.get(data.get("cause", ""), "")
    detail = ngettext(
        "%(rows)s record or timeline entry redacted.",
        "%(rows)s records or timeline entries redacted.",
        rows,
    ) % {"rows": rows}
    return event.get_kind_display(), f"{cause} {detail}".strip()


def _access(event: CaseEvent, users: dict) -> tuple[str, str]:
    data = event.data or {}
    who = _names(users, [data.get("user")]) or "—"
    title = str(ACCESS_TITLES.get(event.transition, event.get_kind_display()))
    if data.get("expires_at") and event.transition == "access_emergency":
        until = _when(datetime.datetime.fromisoformat(data["expires_at"]))
        return title, _("%(who)s, until %(until)s.") % {"who": who, "until": until}
    return title, f"{who}."


def _note(event: CaseEvent) -> tuple[str, str]:
    data = event.data or {}
    if data.get("overdue_review"):
        return _("Overdue case reviewed"), ""
    if data.get("reassessment_requested"):
        return _("Reassessment requested"), ""
    return event.get_kind_display(), ""


def _attachment(event: CaseEvent) -> tuple[str, str]:
    """'Identity document: passport.jpg.' (the name is "[redacted]" after anonymisation); a
    deletion adds its reason."""
    data = event.data or {}
    kind = dict(AttachmentKind.choices).get(data.get("kind", ""), "")
    detail = _("%(kind)s: %(name)s.") % {"kind": kind or "—", "name": data.get("name") or "—"}
    if event.kind == EventKind.ATTACHMENT_DELETED and event.comment:
        detail += " " + _("Reason: %(reason)s") % {"reason": event.comment}
    return event.get_kind_display(), detail


def _document_generated(event: CaseEvent) -> tuple[str, str]:
    """'Case record sheet (version 2, Polish): Case record sheet BEK-2026-000123.pdf.'"""
    data = event.data or {}
    language = dict(settings.LANGUAGES).get(data.get("language", ""), data.get("language", ""))
    detail = _("%(template)s (version %(version)s, %(language)s): %(name)s.") % {
        "template": data.get("template_name") or "—",
        "version": data.get("version") or "—",
        "language": str(language) if language else "—",
        "name": data.get("name") or "—",
    }
    return event.get_kind_display(), detail


DECISION_STEPS = {
    "decision_started": gettext_lazy("Decision started"),
    "decision_approved": gettext_lazy("Decision approved"),
    "decision_returned": gettext_lazy("Decision returned for revision"),
    "decision_withdrawn": gettext_lazy("Decision taken back for revision"),
    "decision_issued": gettext_lazy("Decision issued"),
    "decision_delivered": gettext_lazy("Decision delivered"),
    "decision_final": gettext_lazy("Decision final"),
    "decision_appealed": gettext_lazy("Decision appealed"),
    "appeal_answered": gettext_lazy("Appeal body's answer recorded"),
    "delay_notice_sent": gettext_lazy("KPA art. 36 notice sent"),
}


def _decision_step(event: CaseEvent) -> tuple[str, str]:
    """'Decision issued' · 'MOPS.12.2026.' (the number; the new date of an art. 36 notice;
    the appeal body's answer; a return's comment)."""
    data = event.data or {}
    title = str(DECISION_STEPS.get(event.transition, event.get_kind_display()))
    parts = []
    if data.get("number"):
        parts.append(_("Number %(number)s.") % {"number": data["number"]})
    if data.get("outcome") in AppealOutcome.values:
        parts.append(str(AppealOutcome(data["outcome"]).label) + ".")
    if data.get("new_date"):
        parts.append(_("New date: %(date)s.") % {"date": data["new_date"]})
    if event.comment:
        parts.append(event.comment)
    return title, " ".join(parts)


def _review(event: CaseEvent) -> tuple[str, str]:
    outcome = dict(ReviewOutcome.choices).get((event.data or {}).get("outcome", ""))
    detail = _("Outcome: %(outcome)s.") % {"outcome": outcome} if outcome else ""
    return event.get_kind_display(), detail


def _person_value(name: str, value) -> str:
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if name == "sex":
        return str(dict(Sex.choices).get(value, value))
    if name == "date_of_birth":
        try:
            return formats.date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def person_change_lines(changes: dict) -> list[str]:
    """ "Family name: Kowalski → Kowalska", one per changed field, in the Person's order."""
    lines = []
    for field in Person._meta.concrete_fields:
        if field.name in changes:
            old, new = changes[field.name]
            lines.append(
                _("%(field)s: %(old)s → %(new)s")
                % {
                    "field": capfirst(field.verbose_name),
                    "old": _person_value(field.name, old),
                    "new": _person_value(field.name, new),
                }
            )
    return lines


def _person_changed(event: CaseEvent) -> tuple[str, str]:
    lines = person_change_lines((event.data or {}).get("changes") or {})
    return event.get_kind_display(), "; ".join(lines)


def _subject_access(event: CaseEvent) -> tuple[str, str]:
    file_format = (event.data or {}).get("format") or ""
    detail = {
        "json": _("Machine-readable file (JSON)."),
        "html": _("Readable document."),
    }.get(file_format, "")
    return event.get_kind_display(), str(detail)


def _imported(event: CaseEvent) -> tuple[str, str]:
    data = event.data or {}
    detail = _("Imported from %(source)s (its reference there: %(ref)s).") % {
        "source": data.get("source_system") or "—",
        "ref": data.get("external_ref") or "—",
    }
    if data.get("opened_at"):
        detail += " " + _("Opened there on %(date)s.") % {"date": data["opened_at"]}
    if data.get("closed_at"):
        detail += " " + _("Closed there on %(date)s.") % {"date": data["closed_at"]}
    return event.get_kind_display(), detail


def _household(event: CaseEvent) -> tuple[str, str]:
    title = str(HOUSEHOLD_TITLES.get(event.transition, event.get_kind_display()))
    data = event.data or {}
    period = data.get("period") or ""
    if period:
        try:
            month = datetime.date.fromisoformat(f"{period}-01")
        except ValueError:
            return title, ""
        return title, _("Month: %(month)s.") % {
            "month": formats.date_format(month, "YEAR_MONTH_FORMAT")
        }
    return title, ""


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
    EventKind.ERASURE: _erasure,
    EventKind.REDACTED: _redaction,
    EventKind.PERSON_CHANGED: _person_changed,
    EventKind.MERGED: _person_changed,
    EventKind.MERGE_UNDONE: _person_changed,
    EventKind.SUBJECT_ACCESS: _subject_access,
    EventKind.IMPORTED: _imported,
    EventKind.HOUSEHOLD: _household,
    EventKind.DECISION: _decision_step,
    EventKind.ATTACHMENT_ADDED: _attachment,
    EventKind.ATTACHMENT_DELETED: _attachment,
    EventKind.DOCUMENT_GENERATED: _document_generated,
    EventKind.RESTRICTION: lambda event: (
        str(RESTRICTION_TITLES.get(event.transition, event.get_kind_display())),
        "",
    ),
}


def _is_handover(event: CaseEvent) -> bool:
    return event.kind == EventKind.TRANSFER and event.transition == "tasks_handed_over"


def describe(events: list[CaseEvent]) -> list[CaseEvent]:
    """Give each row `what` (a short title) and `detail` (a sentence), in the active
    language. Two queries at most (the deadlines' clocks, the people told), whatever the
    number of rows."""
    sla = [e for e in events if e.kind == EventKind.SLA]
    handovers = [e for e in events if _is_handover(e)]
    access = [e for e in events if e.kind == EventKind.ACCESS]
    clocks, users = {}, {}
    if sla:
        clock_ids = {e.data.get("clock") for e in sla if (e.data or {}).get("clock")}
        clocks = SlaClock.objects.select_related("policy", "task").in_bulk(clock_ids)
    user_ids = {i for e in sla for i in (e.data or {}).get("recipients", [])}
    user_ids |= {(e.data or {}).get(key) for e in handovers for key in ("from_user", "to_user")} - {
        None
    }
    user_ids |= {(e.data or {}).get("user") for e in access} - {None}
    if user_ids:
        users = User.objects.in_bulk(user_ids)
    for event in events:
        if event.kind == EventKind.SLA:
            what, detail = _sla(event, clocks, users)
        elif _is_handover(event):
            what, detail = _handover(event, users)
        elif event.kind == EventKind.ACCESS:
            what, detail = _access(event, users)
        elif event.kind in DESCRIBERS:
            what, detail = DESCRIBERS[event.kind](event)
        else:
            what, detail = event.get_kind_display(), ""
        # display attributes for the template, set on the row itself
        event.what, event.detail = str(what), str(detail)  # type: ignore[attr-defined]
    return events
