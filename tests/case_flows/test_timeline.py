"""What each timeline row says: deadlines (which one, which step, for which task, told
whom), completed work, referral answers; never a raw key (issue #13, item 8)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

import case_flows.cases.selectors as case_selectors
import case_flows.referrals.services as referral_services
import case_flows.work.services as work_services
from case_flows.models import CaseEvent, EventKind
from case_flows.referrals import services as referrals
from tests.case_flows.work.test_views_tasks import client_for
from tests.steps import allocate, complete_intake, open_task
from workflows.sla.models import SlaClock
from workflows.sla.seed import seed_sla_policies
from workflows.sla.sweep import sla_sweep

from .referrals import test_referrals
from .referrals.test_referrals import send, to_referral_stage

# The referral tests' providers and provider staff.
clinic, ngo, provider_user = test_referrals.clinic, test_referrals.ngo, test_referrals.provider_user


@pytest.fixture(autouse=True)
def policies(db):
    seed_sla_policies()


@pytest.fixture
def people(supervisor, caseworker, manager):
    for user, (first, last) in (
        (caseworker, ("Akosua", "Mensah")),
        (supervisor, ("Kofi", "Boateng")),
        (manager, ("Ama", "Owusu")),
    ):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])


def rows(html: str) -> list[str]:
    """The timeline's rows as plain text, newest first."""
    table = html[html.index('class="responsive timeline"') :]
    table = table[: table.index("</table>")]
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    ]


def missed_assessment(time_machine, case, supervisor, caseworker):
    time_machine.move_to(timezone.now(), tick=False)
    allocate(case, supervisor, caseworker)
    complete_intake(case, caseworker)
    clock = SlaClock.objects.get(subject_id=case.pk, kind="task", name="assess")
    time_machine.move_to(clock.due_at + datetime.timedelta(days=6))
    sla_sweep()
    return clock


def test_deadline_rows_say_which_deadline_step_task_and_whom(
    time_machine, new_case, people, supervisor, caseworker, manager
):
    clock = missed_assessment(time_machine, new_case, supervisor, caseworker)
    html = client_for(supervisor).get(reverse("case_detail", args=[new_case.pk])).content.decode()
    sla = [row for row in rows(html) if "Assessment, medium risk (draft)" in row]
    assert len(sla) == 3, rows(html)
    with translation.override("en"):
        due = date_format(
            timezone.localtime(clock.due_at, new_case.office.tzinfo), "SHORT_DATETIME_FORMAT"
        )
    escalated, missed, warned = sla  # newest first
    assert "Deadline approaching" in warned and "for the task “Assess” is due" in warned
    assert "Akosua Mensah warned" in warned
    assert "Deadline missed" in missed and "for the task “Assess” was missed" in missed
    assert "Akosua Mensah, Kofi Boateng told" in missed
    assert "Deadline escalated" in escalated and "Escalated to Ama Owusu:" in escalated
    assert all(due in row for row in sla)


@pytest.mark.parametrize("language", ["en", "pl"])
def test_no_raw_step_keys_on_the_case_page(
    language, time_machine, new_case, people, supervisor, caseworker, manager
):
    missed_assessment(time_machine, new_case, supervisor, caseworker)
    supervisor.preferred_language = language
    supervisor.save(update_fields=["preferred_language"])
    client = client_for(supervisor)
    with translation.override(language):
        html = client.get(
            reverse("case_detail", args=[new_case.pk]), HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
    text = re.sub(r"<[^>]+>", " ", html)  # the visible words, not the CSS classes
    for key in ("(breach)", "(warning)", "(manager)", " breach ", " warning ", "sla"):
        assert key not in text


def test_timeline_reads_with_a_fixed_number_of_queries(
    time_machine, new_case, people, supervisor, caseworker, manager, django_assert_num_queries
):
    time_machine.move_to(timezone.now(), tick=False)
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    clock = SlaClock.objects.get(subject_id=new_case.pk, kind="task", name="assess")
    time_machine.move_to(clock.warn_at + datetime.timedelta(minutes=1))
    sla_sweep()  # the warning only
    with django_assert_num_queries(3):  # the events, their deadlines, the people told
        few = [e for e in case_selectors.case_timeline(new_case) if e.kind == "sla"]
    time_machine.move_to(clock.due_at + datetime.timedelta(days=6))
    sla_sweep()  # the breach and the manager step
    with django_assert_num_queries(3):
        more = [e for e in case_selectors.case_timeline(new_case) if e.kind == "sla"]
    assert (len(few), len(more)) == (1, 3)
    assert all("“Assess”" in e.detail for e in more)


def test_completed_work_writes_its_event(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    intake = CaseEvent.objects.get(case=new_case, kind=EventKind.TASK)
    assert intake.data["work"] == "intake_completed" and intake.actor == caseworker
    html = client_for(caseworker).get(reverse("case_detail", args=[new_case.pk])).content.decode()
    assert any("Intake completed" in row for row in rows(html))


def test_follow_up_and_referrals_write_their_events(
    new_case,
    supervisor,
    caseworker,
    ngo,
):
    case = to_referral_stage(new_case, supervisor, caseworker)
    referral_services.referrals_arrange(
        task=open_task(case, "arrange_referrals"),
        actor=caseworker,
        referrals=[{"service_type": "Shelter", "provider": ngo}],
    )
    work_services.follow_up_record(
        task=open_task(case, "follow_up"),
        actor=caseworker,
        date=timezone.localdate(),
        mode="visit",
        notes="Settled at the shelter",
        next_step="continue",
    )
    html = client_for(caseworker).get(reverse("case_detail", args=[case.pk])).content.decode()
    texts = rows(html)
    follow_up = next(row for row in texts if "Follow-up recorded" in row)
    assert "Home visit; next: continue following up." in follow_up
    assert "Settled at the shelter" in follow_up
    assert any("Referrals arranged" in row for row in texts)
    assert any(
        "Referral sent" in row and "Referred to Hope Shelter for Shelter." in row for row in texts
    )


def test_a_referral_answer_says_accepted_or_declined_and_by_which_provider(
    new_case,
    supervisor,
    caseworker,
    clinic,
    ngo,
    provider_user,
):
    case = to_referral_stage(new_case, supervisor, caseworker)
    accepted = send(case, caseworker, clinic)
    declined = send(case, caseworker, ngo, service_type="Shelter")
    referrals.referral_accept(referral=accepted, actor=provider_user)
    referrals.referral_decline(referral=declined, actor=caseworker, reason="No beds")
    html = client_for(caseworker).get(reverse("case_detail", args=[case.pk])).content.decode()
    texts = rows(html)
    assert any(
        "Referral accepted" in row
        and "District Health Directorate accepted the referral for Counselling." in row
        for row in texts
    )
    assert any(
        "Referral declined" in row
        and "Hope Shelter declined the referral for Shelter." in row
        and "No beds" in row
        for row in texts
    )


def test_decisions_name_the_record(new_case, supervisor, caseworker):
    from tests.steps import approve, submit_assessment

    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    approve(new_case, "approve_assessment", supervisor, approve=False, comment="More detail")
    texts = rows(
        client_for(caseworker).get(reverse("case_detail", args=[new_case.pk])).content.decode()
    )
    assert any("Assessment submitted for approval." in row for row in texts)
    assert any(
        "Returned for revision" in row
        and "Assessment returned for revision." in row
        and "More detail" in row
        for row in texts
    )


def test_the_deadline_panel_names_steps_in_words(
    time_machine, new_case, people, supervisor, caseworker, manager
):
    missed_assessment(time_machine, new_case, supervisor, caseworker)
    html = client_for(supervisor).get(reverse("case_detail", args=[new_case.pk])).content.decode()
    panel = html[html.index('class="card sla-panel"') :]
    assert "Escalated (" not in panel
    assert "Warning sent on" in panel and "to: assignee" in panel
    assert "Missed on" in panel and "told: assignee, team supervisor" in panel
    assert "Escalated on" in panel and "to: office managers" in panel


def test_deadline_names_and_times_are_the_readers(new_case, supervisor, caseworker):
    """A Polish reader sees the seeded deadline's Polish name in the timeline, and the
    deadlines panel's escalation times in the reader's time zone (not UTC)."""
    import datetime as dt
    import zoneinfo

    from django.test import Client
    from django.urls import reverse
    from django.utils import formats, translation
    from django.utils import timezone as tz

    from tests.steps import allocate, complete_intake
    from workflows.sla.models import SlaEscalation
    from workflows.sla.seed import seed_sla_policies
    from workflows.sla.sweep import sla_sweep
    from workflows.templatetags.sla import sla_escalation_text

    seed_sla_policies()
    supervisor.preferred_language = "pl"
    supervisor.save(update_fields=["preferred_language"])
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    sla_sweep(now=tz.now() + dt.timedelta(days=40))
    escalation = SlaEscalation.objects.filter(clock__subject_id=new_case.pk).first()
    assert escalation is not None
    client = Client()
    client.force_login(supervisor)
    body = client.get(reverse("case_detail", args=[new_case.pk])).content.decode()
    name = escalation.clock.policy.name
    with translation.override("pl"):
        polish = str(translation.gettext(name))
    assert polish != name and f"„{polish}”" in body
    assert f"„{name}”" not in body and f"“{name}”" not in body
    warsaw = zoneinfo.ZoneInfo("Europe/Warsaw")
    with translation.override("pl"), tz.override(warsaw):
        text = sla_escalation_text(escalation)
        local = formats.date_format(tz.localtime(escalation.created_at), "DATETIME_FORMAT")
    utc = formats.date_format(escalation.created_at.astimezone(dt.UTC), "DATETIME_FORMAT")
    assert local in text and local != utc
