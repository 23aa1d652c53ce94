"""Deadline notifications as the people get them: which task, when it was due (in their
language and office time zone), once per deadline and step, grouped when a sweep breaches
many deadlines of one person at once (case_flows/sla_handlers.py)."""

import datetime
import html
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

import case_flows.cases.services as case_services
from accounts.models import Role
from case_flows.models import Case
from case_flows.sla_handlers import case_escalations
from notifications.models import Event, Notification
from notifications.rendering import in_app_text
from tests.factories import category, make_person, make_team, make_user
from tests.steps import allocate, complete_intake
from workflows.sla.models import SlaClock, SlaEscalation
from workflows.sla.seed import seed_sla_policies
from workflows.sla.sweep import sla_sweep

BREACH_MSGID = "“%(task)s” on %(reference)s is overdue (it was due %(due)s)."


@pytest.fixture(autouse=True)
def policies(db):
    seed_sla_policies()


def _open_case(office, caseworker, family="Mensah") -> Case:
    return case_services.case_open(
        actor=caseworker,
        person=make_person(office, "Kwame", family),
        office=office,
        category=category(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Child out of school",
    )


def _assessment_clock(case, supervisor, caseworker) -> SlaClock:
    allocate(case, supervisor, caseworker)
    complete_intake(case, caseworker)
    return SlaClock.objects.get(subject_id=case.pk, kind="task", name="assess")


def _due_text(moment, tz: str, language: str) -> str:
    with translation.override(language):
        local = moment.astimezone(zoneinfo.ZoneInfo(tz))
        return formats.date_format(local, "SHORT_DATETIME_FORMAT")


def _page_text(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_breach_names_the_task_and_when_it_was_due(
    time_machine, client, new_case, supervisor, caseworker
):
    time_machine.move_to(timezone.now(), tick=False)
    clock = _assessment_clock(new_case, supervisor, caseworker)
    time_machine.move_to(clock.due_at + datetime.timedelta(hours=1))

    sla_sweep()

    due = _due_text(clock.due_at, "Africa/Accra", "en")
    body = _page_text(client, caseworker)
    assert f"“Assess” on {new_case.reference} is overdue (it was due {due})." in body
    assert "a task" not in body and "due —" not in body


def test_a_polish_caseworker_reads_it_in_polish_and_warsaw_time(time_machine, client, other_office):
    koordynator = make_user(Role.SUPERVISOR, other_office, username="koord")
    team = make_team(other_office, supervisor=koordynator, name="Zespół")
    pracownik = make_user(
        Role.CASEWORKER, other_office, team, username="prac", preferred_language="pl"
    )
    time_machine.move_to(timezone.now(), tick=False)
    case = _open_case(other_office, pracownik, family="Kowalski")
    clock = _assessment_clock(case, koordynator, pracownik)
    time_machine.move_to(clock.due_at + datetime.timedelta(hours=1))

    sla_sweep()

    due = _due_text(clock.due_at, "Europe/Warsaw", "pl")
    body = _page_text(client, pracownik)
    assert "Przeprowadź ocenę" in body  # the task title, in Polish
    assert due in body  # Polish date format, Warsaw time
    with translation.override("pl"):
        translated = gettext(BREACH_MSGID) != BREACH_MSGID
    if translated:  # the sentence itself, once the catalogue has it
        assert f"„Przeprowadź ocenę” w sprawie {case.reference} jest po terminie" in body
    # Warsaw time, not UTC: the deadline is never at the same wall-clock hour in both.
    assert due != _due_text(clock.due_at, "UTC", "pl")


def test_a_warning_in_time_says_when_the_task_is_due(
    time_machine, client, new_case, supervisor, caseworker
):
    time_machine.move_to(timezone.now(), tick=False)
    clock = _assessment_clock(new_case, supervisor, caseworker)
    time_machine.move_to(clock.warn_at + (clock.due_at - clock.warn_at) / 2)

    sla_sweep()

    warning = Notification.objects.get(recipient=caseworker, event=Event.SLA_WARNING)
    with translation.override("en"), timezone.override(zoneinfo.ZoneInfo("Africa/Accra")):
        text = in_app_text(warning)
    assert text == (
        f"“Assess” on {new_case.reference} is due soon "
        f"(by {_due_text(clock.due_at, 'Africa/Accra', 'en')})."
    )


def test_one_notification_per_deadline_and_step(
    time_machine, new_case, supervisor, caseworker, manager
):
    time_machine.move_to(timezone.now(), tick=False)
    clock = _assessment_clock(new_case, supervisor, caseworker)
    time_machine.move_to(clock.due_at + datetime.timedelta(days=6))
    sla_sweep()
    sla_sweep()
    before = sorted(Notification.objects.values_list("dedupe_key", flat=True))

    # A handler run again over the same escalations (a redelivered batch) adds nothing.
    escalations = list(SlaEscalation.objects.select_related("clock"))
    case_escalations(escalations)

    assert sorted(Notification.objects.values_list("dedupe_key", flat=True)) == before
    keys = Notification.objects.filter(recipient=caseworker, event__startswith="sla_").values_list(
        "dedupe_key", flat=True
    )
    assert list(keys) == [f"sla:{clock.pk}:1:{caseworker.pk}"]  # the breach step, once


def test_a_sweep_that_breaches_many_of_ones_tasks_sends_one_grouped_notification(
    time_machine, client, office, supervisor, caseworker
):
    time_machine.move_to(timezone.now(), tick=False)
    cases = [_open_case(office, caseworker, family=f"Mensah{n}") for n in range(5)]
    clocks = [_assessment_clock(case, supervisor, caseworker) for case in cases]
    time_machine.move_to(max(c.due_at for c in clocks) + datetime.timedelta(hours=1))

    sla_sweep()
    sla_sweep()  # nothing twice

    [grouped] = Notification.objects.filter(recipient=caseworker, event__startswith="sla_")
    assert grouped.event == Event.SLA_BREACH
    assert grouped.params["count"] == 5
    assert grouped.link == reverse("inbox") + "?overdue=on"
    body = _page_text(client, caseworker)
    assert "5 of your tasks became overdue." in body
    # The supervisor's breaches of the same sweep are grouped too, as their team's.
    supervisor_texts = [
        in_app_text(n)
        for n in Notification.objects.filter(recipient=supervisor, event__startswith="sla_")
    ]
    assert any("tasks of your team became overdue" in text for text in supervisor_texts)
    # The overdue list it links to shows them.
    inbox = html.unescape(client.get(grouped.link).content.decode())
    assert all(case.reference in inbox for case in cases)


def test_a_few_breaches_stay_separate(time_machine, office, supervisor, caseworker, settings):
    settings.NOTIFICATIONS_SLA_GROUP_THRESHOLD = 3
    time_machine.move_to(timezone.now(), tick=False)
    cases = [_open_case(office, caseworker, family=f"Owusu{n}") for n in range(2)]
    clocks = [_assessment_clock(case, supervisor, caseworker) for case in cases]
    time_machine.move_to(max(c.due_at for c in clocks) + datetime.timedelta(hours=1))

    sla_sweep()

    references = set(
        Notification.objects.filter(recipient=caseworker, event=Event.SLA_BREACH).values_list(
            "case_reference", flat=True
        )
    )
    assert references == {case.reference for case in cases}


def test_late_referral_answers_are_grouped_as_referrals(office, caseworker):
    from case_flows.sla_handlers import sla_notifications_send
    from notifications.outbox import NotificationRequest

    requests = [
        (
            NotificationRequest(
                recipient_id=caseworker.pk,
                event=Event.SLA_BREACH,
                dedupe_key=f"sla:{n}:1:{caseworker.pk}",
                case_reference=f"BEK-2026-00000{n}",
                link=f"/cases/{n}/referrals/",
                params={"task": "Provider's answer to a referral", "step": "breach"},
            ),
            caseworker.pk,
        )
        for n in range(5)
    ]
    assert sla_notifications_send(requests, "batch-1", scope="referral") == 1
    assert sla_notifications_send(requests, "batch-1", scope="referral") == 0  # once

    [grouped] = Notification.objects.filter(recipient=caseworker)
    assert grouped.link == reverse("case_list")
    with translation.override("en"):
        assert in_app_text(grouped) == (
            "5 referrals are past the deadline for the provider's answer."
        )


def test_the_demo_history_is_read_and_only_missed_deadlines_are_new(db, settings):
    """The demo's past (tasks assigned, approvals decided) does not fill the bell."""
    from django.core.management import call_command

    settings.DEMO_CASES_PER_OFFICE = 6
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    history = Notification.objects.exclude(event__startswith="sla_")
    assert history.exists() and not history.filter(read_at__isnull=True).exists()

    sla_sweep()  # beat, once the demo is in: what is overdue now is news
    assert Notification.objects.filter(event__startswith="sla_", read_at__isnull=True).exists()


def test_tasks_and_referrals_grouped_in_one_batch_are_two_notifications(office, caseworker):
    from case_flows.sla_handlers import sla_notifications_send
    from notifications.outbox import NotificationRequest

    def requests(kind):
        return [
            (
                NotificationRequest(
                    recipient_id=caseworker.pk,
                    event=Event.SLA_BREACH,
                    dedupe_key=f"sla:{kind}{n}:1:{caseworker.pk}",
                    case_reference=f"BEK-2026-00000{n}",
                    params={"task": "Assess", "step": "breach"},
                ),
                caseworker.pk,
            )
            for n in range(4)
        ]

    sla_notifications_send(requests("task"), "batch-1")
    sla_notifications_send(requests("referral"), "batch-1", scope="referral")

    scopes = Notification.objects.filter(recipient=caseworker).values_list(
        "params__scope", flat=True
    )
    assert sorted(scopes) == ["own", "referral"]
