"""Deadline notifications and the development mailbox, as people see them: a caseworker whose
task is overdue opens the bell and reads which task and when it was due (in English, and in
Polish and Warsaw time for a Polish caseworker); a sweep that breaches many of one person's
tasks reaches them as one notification; an administrator reads the e-mails in the mailbox."""

import datetime
import re
import zoneinfo

import pytest
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from accounts.models import User
from notifications import services as notification_services
from notifications.models import Delivery, DeliveryStatus, Event, Notification
from workflows.sla.models import SlaClock
from workflows.sla.sweep import sla_sweep
from workflows.sla.timing import is_breach_step

pytestmark = pytest.mark.browser

BREACH_MSGID = "“%(task)s” on %(reference)s is overdue (it was due %(due)s)."
BELL = re.compile(r"Unread notifications|Nieprzeczytane powiadomienia")


def _breach_one_task_of(username: str) -> tuple[SlaClock, str]:
    """One open task of this person passes its deadline, and the sweep runs as beat would.

    Whatever else of the demo was already due is swept first, so the second sweep breaches
    only this task. Time passing is simulated by moving the deadline, not the clock.
    """
    sla_sweep()
    user = User.objects.get(username=username)
    clock = (
        SlaClock.objects.filter(owner=user, kind="task", status="running", breached=False)
        .select_related("policy", "task")
        .exclude(task=None)
        .order_by("due_at")
        .first()
    )
    assert clock is not None, f"the demo gives {username} no open task with a running deadline"
    breach = next(i for i, step in enumerate(clock.policy.ladder) if is_breach_step(step))
    now = timezone.now()
    clock.warn_at = now - datetime.timedelta(hours=3)
    clock.due_at = now - datetime.timedelta(hours=2)
    clock.next_step, clock.next_step_at = breach, clock.due_at
    clock.save(update_fields=["warn_at", "due_at", "next_step", "next_step_at"])
    sla_sweep()
    notification = Notification.objects.get(
        recipient=user, event=Event.SLA_BREACH, dedupe_key__startswith=f"sla:{clock.pk}:"
    )
    return clock, notification.case_reference


def _due(clock: SlaClock, language: str) -> str:
    local = clock.due_at.astimezone(zoneinfo.ZoneInfo(clock.office.timezone))
    with translation.override(language):
        return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def _open_notifications(page):
    page.get_by_role("link", name=BELL).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Notifications|Powiadomienia")
    )


def test_caseworker_reads_which_task_is_overdue_and_when_it_was_due(person, db_access):
    clock, reference = _breach_one_task_of("caseworker")
    with translation.override("en"):
        title = str(clock.task.flow_task.task_title)

    page = person("caseworker")
    _open_notifications(page)

    row = page.get_by_role("row").filter(has_text=reference).filter(has_text="overdue").first
    expect(row).to_contain_text(
        f"“{title}” on {reference} is overdue (it was due {_due(clock, 'en')})."
    )
    for placeholder in ("a task", "due —", "None"):
        expect(row).not_to_contain_text(placeholder)


def test_polish_caseworker_reads_it_in_polish_and_warsaw_time(person, db_access):
    clock, reference = _breach_one_task_of("pracownik")
    with translation.override("pl"):
        title = str(clock.task.flow_task.task_title)
        sentence_translated = gettext(BREACH_MSGID) != BREACH_MSGID

    page = person("pracownik", language="pl")
    _open_notifications(page)

    row = page.get_by_role("row").filter(has_text=reference).filter(has_text=title).first
    expect(row).to_contain_text(_due(clock, "pl"))  # Polish format, Warsaw time
    if sentence_translated:
        expect(row).to_contain_text(f"„{title}” w sprawie {reference} jest po terminie")
    expect(row).not_to_contain_text("zadanie”")  # never the placeholder “a task”


def test_a_sweep_that_breaches_many_tasks_reaches_the_caseworker_once(person, db_access):
    """The demo's backlog of missed deadlines: one line per sweep batch, not one per task."""
    sla_sweep()
    grouped = Notification.objects.filter(
        recipient__username="caseworker", event=Event.SLA_BREACH, params__has_key="count"
    ).first()
    if grouped is None:
        pytest.skip("the demo data left the caseworker fewer missed deadlines than a group")
    count = grouped.params["count"]

    page = person("caseworker")
    _open_notifications(page)
    row = page.get_by_role("row").filter(has_text=f"{count} of your tasks became overdue.")
    expect(row.first).to_be_visible()
    row.first.get_by_role("button", name="Open").click()
    expect(page).to_have_url(re.compile(r"/inbox/\?overdue=on$"))
    expect(page.get_by_label("Overdue only")).to_be_checked()


def test_admin_reads_the_emails_in_the_mailbox(person, db_access, settings):
    settings.EMAIL_BACKEND = settings.MAILBOX_EMAIL_BACKEND
    _clock, reference = _breach_one_task_of("pracownik")
    # What the worker does with the outbox: send each pending e-mail (here, to the mailbox).
    pending = Delivery.objects.filter(
        notification__recipient__username="pracownik",
        notification__case_reference=reference,
        channel="email",
        status=DeliveryStatus.PENDING,
    )
    assert pending.exists()
    for delivery in pending:
        notification_services.delivery_attempt(delivery_id=delivery.pk)

    page = person("admin")
    page.get_by_role("link", name="Mailbox").click()
    expect(page.get_by_role("heading", level=1, name="Mailbox")).to_be_visible()
    row = (
        page.get_by_role("row").filter(has_text="pracownik@example.org").filter(has_text=reference)
    )
    row.first.get_by_role("link").click()
    # As sent to a Polish caseworker: in Polish, whatever the admin's own language.
    expect(page.get_by_text("Otwórz w Caseflow")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)


def test_a_caseworker_cannot_open_the_mailbox(person, db_access):
    page = person("caseworker")
    expect(page.get_by_role("link", name="Mailbox")).to_have_count(0)
    # Asked for directly with the caseworker's session (the bare 403 page is not themed).
    assert page.request.get("/dev/mailbox/").status == 403
