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

import case_flows.cases.services as case_services
import case_flows.work.services as work_services
from accounts.models import User
from case_flows.models import Category
from notifications import delivery as sending
from notifications.models import Delivery, DeliveryStatus, Event, Notification
from notifications.rendering import in_app_text
from workflows.sla.models import SlaClock
from workflows.sla.sweep import sla_sweep
from workflows.sla.timing import is_breach_step

pytestmark = pytest.mark.browser

BREACH_MSGID = "“%(task)s” on %(reference)s is overdue (it was due %(due)s)."
BELL = re.compile(r"Unread notifications|Nieprzeczytane powiadomienia")


def _breach_one_task_of(username: str) -> tuple[SlaClock, str]:
    """A new case is allocated to this person and taken in (their assessment task and its
    deadline start),
    the deadline passes, and the sweep runs as beat would.

    Whatever else of the demo was already due is swept first, so the second sweep breaches
    only this task. Time passing is simulated by moving the deadline, not the clock.
    """
    sla_sweep()
    user = User.objects.get(username=username)
    office = user.home_office
    team = user.teams.select_related("supervisor").first()
    case = case_services.case_open(
        actor=user,
        person=case_services.person_create(
            actor=user, office=office, given_name="Esi", family_name="Quaye"
        ),
        office=office,
        category=Category.objects.order_by("pk").first(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Family without income.",
        team=team,
    )
    allocate = _open_task(case, "allocate")
    work_services.case_allocate(task=allocate, actor=team.supervisor, caseworker=user)
    work_services.intake_complete(
        task=_open_task(case, "intake"),
        actor=user,
        source="walk_in",
        presenting_concerns="Family without income.",
        immediate_safety="at_risk",
        consent_to_share=True,
    )
    clock = SlaClock.objects.select_related("policy", "task", "office").get(
        subject_id=case.pk, kind="task", task=_open_task(case, "assess")
    )
    breach = next(i for i, step in enumerate(clock.policy.ladder) if is_breach_step(step))
    now = timezone.now()
    clock.warn_at = now - datetime.timedelta(hours=3)
    clock.due_at = now - datetime.timedelta(hours=2)
    clock.next_step, clock.next_step_at = breach, clock.due_at
    clock.save(update_fields=["warn_at", "due_at", "next_step", "next_step_at"])
    sla_sweep()
    assert Notification.objects.filter(
        recipient=user, event=Event.SLA_BREACH, dedupe_key__startswith=f"sla:{clock.pk}:"
    ).exists()
    return clock, case.reference


def _open_task(case, node: str):
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from case_flows.flows import CaseFlow

    return Task.objects.get(
        process__caseprocess__case=case,
        flow_task=getattr(CaseFlow, node),
        status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED],
    )


def _due(clock: SlaClock, language: str) -> str:
    local = clock.due_at.astimezone(zoneinfo.ZoneInfo(clock.office.timezone))
    with translation.override(language):
        return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def _open_notifications(page):
    page.get_by_role("link", name=BELL).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Notifications|Powiadomienia")
    )


def test_caseworker_reads_which_task_is_overdue_and_when_it_was_due(person):
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


def test_polish_caseworker_reads_it_in_polish_and_warsaw_time(person):
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


def test_a_sweep_that_breaches_many_tasks_reaches_the_caseworker_once(person):
    """The demo's backlog of missed deadlines: one line per sweep batch, not one per task."""
    sla_sweep()
    grouped = Notification.objects.filter(
        recipient__username="caseworker", event=Event.SLA_BREACH, params__scope="own"
    ).first()
    if grouped is None:
        pytest.skip("the demo data left the caseworker fewer missed deadlines than a group")
    with translation.override("en"):
        text = in_app_text(grouped)  # "12 of your tasks became overdue."
    assert str(grouped.params["count"]) in text

    page = person("caseworker")
    _open_notifications(page)
    row = page.get_by_role("row").filter(has_text=text)
    expect(row.first).to_be_visible()
    row.first.get_by_role("button", name="Open").click()
    expect(page).to_have_url(re.compile(r"/inbox/\?overdue=on$"))
    expect(page.get_by_label("Overdue only")).to_be_checked()


def test_admin_reads_the_emails_in_the_mailbox(person, settings):
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
        sending.delivery_attempt(delivery_id=delivery.pk)

    # An administrator without a case role (the demo `admin` is also a manager and lands on
    # the dashboard, whose own accessibility fixes are another change's).
    User.objects.filter(username="itadmin").exists() or User.objects.create_user(
        username="itadmin", password="demo", is_staff=True, first_name="IT", last_name="Admin"
    )
    page = person("itadmin")
    page.get_by_role("link", name="Mailbox").click()
    expect(page.get_by_role("heading", level=1, name="Mailbox")).to_be_visible()
    row = (
        page.get_by_role("row").filter(has_text="pracownik@example.org").filter(has_text=reference)
    )
    row.first.get_by_role("link").click()
    # As sent to a Polish caseworker: in Polish, whatever the admin's own language.
    expect(page.get_by_text("Otwórz w Caseflow")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)


def test_a_caseworker_cannot_open_the_mailbox(person):
    page = person("caseworker")
    expect(page.get_by_role("link", name="Mailbox")).to_have_count(0)
    # Asked for directly with the caseworker's session (the bare 403 page is not themed).
    assert page.request.get("/dev/mailbox/").status == 403
