"""Notification text: in the app (with details); in e-mail/SMS (reference, kind, link only).

A deadline notification's e-mail and SMS add only when the deadline was due (a time) and,
for a grouped one, how many deadlines it stands for (a count); the title of the work stays
in the app with the other details.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from .models import Event, Notification

# In-app sentences: rendered in the viewer's language when the page is shown.
IN_APP_TEXT: dict[str, Promise] = {
    Event.TASK_ASSIGNED: gettext_lazy("Task “%(task)s” on %(reference)s was assigned to you."),
    Event.TASK_RETURNED: gettext_lazy(
        "Task “%(task)s” on %(reference)s was returned to you for revision by %(who)s."
    ),
    Event.APPROVAL_REQUESTED: gettext_lazy(
        "Your approval is requested: “%(task)s” on %(reference)s."
    ),
    Event.APPROVAL_DECIDED: gettext_lazy(
        "Your request “%(task)s” on %(reference)s was decided by %(who)s: %(decision)s."
    ),
    # The time in brackets: some formats end in a full stop ("3:30 p.m.").
    Event.SLA_WARNING: gettext_lazy("“%(task)s” on %(reference)s is due soon (by %(due)s)."),
    Event.SLA_BREACH: gettext_lazy("“%(task)s” on %(reference)s is overdue (it was due %(due)s)."),
    Event.SLA_ESCALATION: gettext_lazy(
        "“%(task)s” on %(reference)s was escalated to you (it was due %(due)s)."
    ),
    Event.REFERRAL_ACCEPTED: gettext_lazy("The referral on %(reference)s was accepted."),
    Event.REFERRAL_DECLINED: gettext_lazy("The referral on %(reference)s was declined."),
    Event.REFERRAL_COMPLETED: gettext_lazy("The referral on %(reference)s was completed."),
    Event.CASE_TRANSFERRED: gettext_lazy("Case %(reference)s was transferred to you."),
    Event.EMERGENCY_ACCESS: gettext_lazy(
        "%(who)s used emergency access (break the glass) on %(reference)s."
    ),
    Event.TRANSFER_REQUESTED: gettext_lazy(
        "Another office asks your office to take case %(reference)s."
    ),
    Event.TRANSFER_DECLINED: gettext_lazy("The transfer of case %(reference)s was declined."),
    # The reader's name stays in the app: e-mail and SMS say only the kind and the link.
    Event.ACCESS_ALERT: gettext_lazy(
        "%(person)s opened %(cases)s different cases within one hour (the limit is %(limit)s)."
    ),
    Event.SYSTEM_ALERT: gettext_lazy("System problem: %(problem)s See the system status page."),
}

# One notification standing for many deadlines of one sweep (params: count, scope).
GROUPED_TEXT: dict[tuple[str, str], Promise] = {
    (Event.SLA_WARNING, "own"): ngettext_lazy(
        "%(count)s of your tasks is due soon.", "%(count)s of your tasks are due soon.", "count"
    ),
    (Event.SLA_WARNING, "team"): ngettext_lazy(
        "%(count)s task of your team is due soon.",
        "%(count)s tasks of your team are due soon.",
        "count",
    ),
    (Event.SLA_BREACH, "own"): ngettext_lazy(
        "%(count)s of your tasks became overdue.",
        "%(count)s of your tasks became overdue.",
        "count",
    ),
    (Event.SLA_BREACH, "team"): ngettext_lazy(
        "%(count)s task of your team became overdue.",
        "%(count)s tasks of your team became overdue.",
        "count",
    ),
    (Event.SLA_WARNING, "referral"): ngettext_lazy(
        "%(count)s referral is close to the deadline for the provider's answer.",
        "%(count)s referrals are close to the deadline for the provider's answer.",
        "count",
    ),
    (Event.SLA_BREACH, "referral"): ngettext_lazy(
        "%(count)s referral is past the deadline for the provider's answer.",
        "%(count)s referrals are past the deadline for the provider's answer.",
        "count",
    ),
    (Event.SLA_ESCALATION, "referral"): ngettext_lazy(
        "%(count)s referral past the deadline for the provider's answer was escalated to you.",
        "%(count)s referrals past the deadline for the provider's answer were escalated to you.",
        "count",
    ),
    (Event.SLA_ESCALATION, "team"): ngettext_lazy(
        "%(count)s overdue task was escalated to you.",
        "%(count)s overdue tasks were escalated to you.",
        "count",
    ),
    # A colleague left or went on leave: all their open work at once (workflows.handover).
    (Event.TASKS_HANDED_OVER, "handover"): ngettext_lazy(
        "%(count)s open task of %(person)s was handed over to you.",
        "%(count)s open tasks of %(person)s were handed over to you.",
        "count",
    ),
}
SLA_EVENTS = {Event.SLA_WARNING, Event.SLA_BREACH, Event.SLA_ESCALATION}

DECISIONS = {
    "approved": gettext_lazy("approved"),
    "rejected": gettext_lazy("rejected"),
    "returned": gettext_lazy("returned for revision"),
}


def recipient_language(user) -> str:
    """The user's language, else their office's, else the site's."""
    if getattr(user, "preferred_language", ""):
        return user.preferred_language
    office = getattr(user, "home_office", None)
    if office is not None and office.default_language:
        return office.default_language
    return settings.LANGUAGE_CODE


def recipient_timezone(user) -> zoneinfo.ZoneInfo:
    """The recipient's office time zone, else the site's."""
    office = getattr(user, "home_office", None)
    if office is not None and office.timezone:
        return office.tzinfo
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def absolute_link(link: str) -> str:
    if not link:
        return settings.SITE_URL.rstrip("/") + "/"
    if link.startswith(("http://", "https://")):
        return link
    return settings.SITE_URL.rstrip("/") + "/" + link.lstrip("/")


def _format_due(value) -> str:
    if not value:
        return "—"
    moment = parse_datetime(str(value))
    if moment is None:
        return str(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def in_app_text(notification: Notification) -> str:
    """The full sentence, in the active language and time zone (the page's: the viewer's)."""
    params = notification.params or {}
    if notification.event == Event.DAILY_DIGEST:
        count = len(params.get("items", []))
        return _("Your daily digest (held notifications: %(count)s).") % {"count": count}
    if params.get("count") is not None:
        grouped = GROUPED_TEXT.get((notification.event, params.get("scope", "team")))
        if grouped is None:
            grouped = GROUPED_TEXT.get((notification.event, "team"))
        if grouped is not None:
            return grouped % {"count": params["count"], "person": params.get("person") or "—"}
    template = IN_APP_TEXT.get(notification.event)
    if template is None:
        return str(notification)
    decision = params.get("decision", "")
    values = {
        # A restricted case is never named (case_flows.restriction.case_notice).
        "reference": _("[restricted case]")
        if params.get("restricted")
        else (notification.case_reference or "—"),
        # Stored as the English source text (a msgid): translated here, for the reader.
        "task": _(params["task"]) if params.get("task") else _("a task"),
        "decision": DECISIONS.get(decision, decision) or "—",
        "due": _format_due(params.get("due")),
        "who": str(notification.actor) if notification.actor_id else "—",
        "person": params.get("person") or "—",
        "cases": params.get("cases", "—"),
        "limit": params.get("limit", "—"),
        "problem": _system_problem(params),
    }
    return str(template) % values


def _system_problem(params: dict) -> str:
    """A system alert's problem: stored as its English msgid and subject (a job's name, a
    channel), translated for the reader (workflows/system/alerts.py)."""
    if not params.get("problem"):
        return "—"
    try:
        return _(params["problem"]) % {"subject": params.get("subject", "")}
    except (KeyError, TypeError, ValueError):
        return _(params["problem"])


def event_label(event: str) -> str:
    try:
        return str(Event(event).label)
    except ValueError:
        return event


def _external_context(notification: Notification) -> dict:
    params = notification.params or {}
    return {
        # A count (grouped), a time, or a system alert's problem: never the work's title or a
        # case detail.
        "summary": in_app_text(notification)
        if params.get("count") is not None or notification.event == Event.SYSTEM_ALERT
        else "",
        "due": _format_due(params["due"])
        if notification.event in SLA_EVENTS and params.get("due")
        else "",
        "event_label": event_label(notification.event),
        "reference": notification.case_reference,
        "url": absolute_link(notification.link),
        "preferences_url": absolute_link("/notifications/preferences/"),
        "is_digest": notification.event == Event.DAILY_DIGEST,
        "items": [
            {
                "event_label": event_label(item.get("event", "")),
                "reference": item.get("reference", ""),
                "url": absolute_link(item.get("link", "")),
            }
            for item in params.get("items", [])
        ],
        "sections": [
            {**section, "url": absolute_link(section["link"]) if section.get("link") else ""}
            for section in params.get("sections", [])
        ],
    }


def render_email(notification: Notification, user) -> tuple[str, str, str]:
    """(subject, plain text, HTML) in the recipient's language and office time zone, without
    case details."""
    language = recipient_language(user)
    with translation.override(language), timezone.override(recipient_timezone(user)):
        context = _external_context(notification)
        if context["reference"]:
            subject = _("%(event)s: %(reference)s") % {
                "event": context["event_label"],
                "reference": context["reference"],
            }
        else:
            subject = context["event_label"]
        subject = f"[{_('Caseflow')}] {subject}"
        text = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
    return subject, text, html


def email_language(user) -> str:
    """The language render_email writes in (the e-mail's Content-Language)."""
    return recipient_language(user)


def render_sms(notification: Notification, user) -> str:
    with (
        translation.override(recipient_language(user)),
        timezone.override(recipient_timezone(user)),
    ):
        context = _external_context(notification)
        parts = [_("Caseflow") + ":", context["event_label"]]
        if context["reference"]:
            parts.append(context["reference"])
        if context["summary"]:
            parts.append(context["summary"])
        if context["due"]:
            parts.append(_("Due: %(due)s") % {"due": context["due"]})
        parts.append(context["url"])
        return " ".join(parts)
