"""Every kind of notification, rendered in English and in Polish, in the app, in e-mail and in
SMS, with the details its sender really passes: no empty or placeholder value anywhere."""

import datetime
import zoneinfo
from types import SimpleNamespace

import pytest
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from case_flows.flow.hooks import approval_kind_msgid
from case_flows.flows import CaseFlow
from case_flows.sla_handlers import deadline_params
from notifications.models import Event, Notification
from notifications.rendering import GROUPED_TEXT, in_app_text, render_email, render_sms
from workflows.system.alerts import BEAT_LATE

DUE = datetime.datetime(2026, 3, 2, 15, 30, tzinfo=datetime.UTC)
ASSESS = CaseFlow.assess.task_title


def _clock(**kwargs):
    values = {"kind": "task", "name": "assess", "due_at": DUE, "pk": 1, "owner_id": None}
    return SimpleNamespace(**{**values, **kwargs})


def _sla(step, **clock):
    return deadline_params(_clock(**clock), step)


with translation.override("en"):
    _TASK = str(ASSESS)

# The params each sender passes (task_hooks, referrals, transfers, sla_handlers, digest).
SAMPLES = {
    "task_assigned": (Event.TASK_ASSIGNED, {"task": _TASK}),
    "approval_requested": (Event.APPROVAL_REQUESTED, {"task": _TASK}),
    "approval_decided": (
        Event.APPROVAL_DECIDED,
        {"decision": "approved", "kind": "plan", "task": approval_kind_msgid("plan")},
    ),
    "approval_decided_returned": (
        Event.APPROVAL_DECIDED,
        {"decision": "returned", "kind": "assessment", "task": approval_kind_msgid("assessment")},
    ),
    "sla_warning": (Event.SLA_WARNING, _sla("warning")),
    "sla_breach": (Event.SLA_BREACH, _sla("breach")),
    "sla_breach_unclaimed": (Event.SLA_BREACH, _sla("breach", kind="unclaimed")),
    "sla_breach_decision": (Event.SLA_BREACH, _sla("breach", kind="stage", name="decision")),
    "sla_breach_referral": (
        Event.SLA_BREACH,
        _sla("breach", kind="stage", name="referral_response"),
    ),
    "sla_escalation": (Event.SLA_ESCALATION, _sla("manager")),
    "referral_accepted": (Event.REFERRAL_ACCEPTED, {"provider": "Clinic", "service": "health"}),
    "referral_declined": (Event.REFERRAL_DECLINED, {"provider": "Clinic", "service": "health"}),
    "referral_completed": (Event.REFERRAL_COMPLETED, {"provider": "Clinic", "service": "health"}),
    "case_transferred": (Event.CASE_TRANSFERRED, {}),
    "transfer_requested": (Event.TRANSFER_REQUESTED, {}),
    "transfer_declined": (Event.TRANSFER_DECLINED, {}),
    # case_flows/access_log/alerts.py: to the data protection officers.
    "access_alert": (Event.ACCESS_ALERT, {"person": "Anna Nowak", "cases": 41, "limit": 40}),
    # To administrators (workflows/system/alerts.py): the problem as its msgid and subject.
    "system_alert": (
        Event.SYSTEM_ALERT,
        {"problem": BEAT_LATE, "subject": "workflows-sla-sweep"},
    ),
    # A restricted case is never named (case_flows.restriction.case_notice).
    "emergency_access": (Event.EMERGENCY_ACCESS, {"restricted": True}),
    "daily_digest": (
        Event.DAILY_DIGEST,
        {
            "date": "2026-03-02",
            "items": [{"event": "sla_breach", "reference": "BEK-2026-000123", "link": "/x/"}],
            "sections": [{"key": "k", "title": "Overdue", "lines": ["1 case"], "link": "/y/"}],
        },
    ),
}
# The grouped variants: one notification standing for many deadlines of one sweep.
for (event, scope), _text in GROUPED_TEXT.items():
    SAMPLES[f"{event}_grouped_{scope}"] = (event, {"count": 12, "scope": scope, "step": "x"})
# A colleague's open work handed over at once (workflows.handover) names whose it was.
SAMPLES["tasks_handed_over_grouped_handover"][1]["person"] = "Anna Nowak"

# The returned-for-revision notification names who returned it (the notification's actor).
SAMPLES["task_returned"] = (Event.TASK_RETURNED, {"task": _TASK})
SAMPLES["task_assigned_restricted"] = (Event.TASK_ASSIGNED, {"task": _TASK, "restricted": True})

PLACEHOLDERS = ("None", "%(", "{{", "{%", "%s", "—", "“”", "„”")


def test_every_event_has_a_sample():
    assert {event for event, _params in SAMPLES.values()} == set(Event.values)


def _notification(event, params, recipient, actor=None) -> Notification:
    reference = "" if "count" in params or event == Event.DAILY_DIGEST else "BEK-2026-000123"
    return Notification(
        pk=1,
        recipient=recipient,
        event=event,
        dedupe_key="x",
        case_reference=reference,
        link="/cases/123/",
        params=params,
        actor=actor,
    )


def _check(text: str, where: str):
    assert text.strip(), f"{where}: empty"
    for placeholder in PLACEHOLDERS:
        assert placeholder not in text, f"{where}: {placeholder!r} in {text!r}"
    for generic in ("a task", _("a task")):
        assert f"“{generic}”" not in text and f"„{generic}”" not in text, f"{where}: {text!r}"


@pytest.mark.parametrize("language", ["en", "pl"])
@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_every_kind_renders_fully(sample, language, office, recipient, supervisor):
    event, params = SAMPLES[sample]
    office.timezone = "Europe/Warsaw"
    recipient.preferred_language = language
    # Who acted, as the senders pass it (who returned the work, who decided the request).
    notification = _notification(event, params, recipient, actor=supervisor)

    # The page is shown in the reader's language and office time zone (the middleware).
    with translation.override(language), timezone.override(zoneinfo.ZoneInfo("Europe/Warsaw")):
        text = in_app_text(notification)
        _check(text, f"{sample}/{language}/in-app")
        if "task" in params:
            assert _(params["task"]) in text
        if params.get("due"):
            local = DUE.astimezone(zoneinfo.ZoneInfo("Europe/Warsaw"))
            assert formats.date_format(local, "SHORT_DATETIME_FORMAT") in text  # not UTC
        if "count" in params:
            assert "12" in text
        if (
            language == "pl"
            and event in IN_APP_MSGIDS
            and _(IN_APP_MSGIDS[event]) != (IN_APP_MSGIDS[event])
        ):
            with translation.override("en"):
                english = in_app_text(notification)
            assert text != english, f"{sample}: English text on a Polish page"

    subject, body, html = render_email(notification, recipient)
    for part, value in (("subject", subject), ("text", body), ("html", html)):
        _check(value, f"{sample}/{language}/e-mail {part}")
    assert f'<html lang="{language}">' in html
    _check(render_sms(notification, recipient), f"{sample}/{language}/sms")


def _msgids():
    from notifications.rendering import IN_APP_TEXT

    return {event: value._args[0] for event, value in IN_APP_TEXT.items()}


IN_APP_MSGIDS = _msgids()


def test_deadline_emails_say_when_but_not_what(office, recipient):
    """E-mail and SMS keep the rule: reference, kind, link; plus the due time (in the
    recipient's time zone) and never the title of the work."""
    office.timezone = "Europe/Warsaw"
    recipient.preferred_language = "pl"
    notification = _notification(Event.SLA_BREACH, _sla("breach"), recipient)
    _subject, body, _html = render_email(notification, recipient)
    sms = render_sms(notification, recipient)
    with translation.override("pl"):
        due = formats.date_format(
            DUE.astimezone(zoneinfo.ZoneInfo("Europe/Warsaw")), "SHORT_DATETIME_FORMAT"
        )
        title = str(ASSESS)
    assert due in body and due in sms
    assert title not in body and title not in sms and "Assess" not in body


def test_a_due_time_stored_without_a_zone_is_read_as_utc(recipient):
    """A due time written without its zone (an older row) still renders: as UTC, in the
    reader's zone (it used django.utils.timezone.utc, which Django 5 removed)."""
    notification = _notification(
        Event.SLA_BREACH, {"task": _TASK, "due": "2026-03-02T15:30:00"}, recipient
    )
    with translation.override("en"), timezone.override(zoneinfo.ZoneInfo("Europe/Warsaw")):
        text = in_app_text(notification)
    local = datetime.datetime(2026, 3, 2, 16, 30)  # 15:30 UTC is 16:30 in Warsaw in March
    assert formats.date_format(local, "SHORT_DATETIME_FORMAT") in text
