"""Work a supervisor returns for revision: the note on the task page, the form as it was
submitted, the inbox marker and the notification (issue #13, item 1)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

import case_flows.referrals.services as referral_services
import case_flows.work.selectors as work_selectors
import case_flows.work.services as work_services
from notifications.models import Notification
from notifications.rendering import in_app_text
from tests.steps import (
    allocate,
    approve,
    complete_intake,
    open_task,
    submit_assessment,
    submit_plan,
)

from .test_views_inbox import INBOX_MINE_QUERIES, open_cases
from .test_views_tasks import client_for, decide


@pytest.fixture
def assessed(new_case, supervisor, caseworker):
    """A case whose assessment waits for the supervisor's decision."""
    supervisor.first_name, supervisor.last_name = "Kofi", "Boateng"
    supervisor.save(update_fields=["first_name", "last_name"])
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    work_services.assessment_submit(
        task=open_task(new_case, "assess"),
        actor=caseworker,
        needs={"education": "high", "safety": "medium", "health": "low"},
        strengths="Supportive grandmother",
        risk_decided="high",
        needs_notes="Misses school on market days",
    )
    return new_case


def selected(html: str, name: str) -> str:
    """The value of the selected option of the select `name`."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.search(r'<option value="([^"]*)"[^>]*selected', select).group(1)


def test_returned_assessment_shows_who_when_and_the_comment(assessed, supervisor, caseworker):
    response = decide(
        client_for(supervisor), assessed, "approve_assessment", "return", "Add the school's view"
    )
    assert response.status_code == 302
    page = client_for(caseworker).get(reverse("task", args=[open_task(assessed, "assess").pk]))
    html = page.content.decode()
    assert "Returned for revision by Kofi Boateng, " in html
    assert "Add the school&#x27;s view" in html


def test_returned_assessment_comes_back_as_it_was_submitted(assessed, supervisor, caseworker):
    approve(assessed, "approve_assessment", supervisor, approve=False, comment="More detail")
    html = (
        client_for(caseworker)
        .get(reverse("task", args=[open_task(assessed, "assess").pk]))
        .content.decode()
    )
    assert selected(html, "need_education") == "high"
    assert selected(html, "need_safety") == "medium"
    assert selected(html, "need_health") == "low"
    assert selected(html, "need_shelter") == "none"
    assert selected(html, "risk_decided") == "high"
    assert "Supportive grandmother</textarea>" in html
    assert "Misses school on market days</textarea>" in html


def test_returned_plan_shows_the_note_and_the_last_plan(assessed, supervisor, caseworker):
    approve(assessed, "approve_assessment", supervisor)
    plan_page = reverse("task", args=[open_task(assessed, "plan").pk])
    # The first plan task was not returned: no note.
    assert "Returned for revision" not in client_for(caseworker).get(plan_page).content.decode()
    submit_plan(assessed, caseworker)
    approve(assessed, "approve_plan", supervisor, approve=False, comment="Name the school")
    html = (
        client_for(caseworker)
        .get(reverse("task", args=[open_task(assessed, "plan").pk]))
        .content.decode()
    )
    assert "Returned for revision by Kofi Boateng, " in html and "Name the school" in html
    assert "Back in school\nSafe at home</textarea>" in html
    assert 'value="Enrol at the district school"' in html


def test_returned_closure_shows_the_note_and_comes_back_filled(assessed, supervisor, caseworker):
    approve(assessed, "approve_assessment", supervisor)
    submit_plan(assessed, caseworker, no_referral_needed=True)
    approve(assessed, "approve_plan", supervisor)
    referral_services.referrals_arrange(
        task=open_task(assessed, "arrange_referrals"),
        actor=caseworker,
        referrals=[],
        none_needed=True,
    )
    work_services.follow_up_record(
        task=open_task(assessed, "follow_up"),
        actor=caseworker,
        date=timezone.localdate(),
        mode="visit",
        notes="Back at school",
        next_step="close",
    )
    work_services.closure_prepare(
        task=open_task(assessed, "prepare_closure"),
        actor=caseworker,
        reason="moved_away",
        summary="Family moved to Kumasi",
    )
    approve(assessed, "approve_closure", supervisor, approve=False, comment="Confirm the address")
    cw = client_for(caseworker)
    # A returned closure goes back to follow-up: the note is there.
    follow_up = cw.get(reverse("task", args=[open_task(assessed, "follow_up").pk]))
    html = follow_up.content.decode()
    assert "Returned for revision by Kofi Boateng, " in html and "Confirm the address" in html
    work_services.follow_up_record(
        task=open_task(assessed, "follow_up"),
        actor=caseworker,
        date=timezone.localdate(),
        mode="phone",
        notes="Address confirmed",
        next_step="close",
    )
    closure_page = reverse("task", args=[open_task(assessed, "prepare_closure").pk])
    html = cw.get(closure_page).content.decode()
    assert selected(html, "reason") == "moved_away"
    assert "Family moved to Kumasi</textarea>" in html


def test_the_note_stays_on_the_revision_only(assessed, supervisor, caseworker):
    approve(assessed, "approve_assessment", supervisor, approve=False, comment="More detail")
    revision = open_task(assessed, "assess")
    assert work_selectors.return_for_revision_of(revision).comment == "More detail"
    submit_assessment(assessed, caseworker)
    approve(assessed, "approve_assessment", supervisor)
    # The plan task comes after an approval: not a revision.
    assert work_selectors.return_for_revision_of(open_task(assessed, "plan")) is None
    # The first assessment task (before any return) was not one either.
    first = revision.previous.get()
    while first.flow_task.name != "assess":
        first = first.previous.get()
    assert work_selectors.return_for_revision_of(first) is None


def test_withdrawn_work_is_not_marked_returned(assessed, caseworker):
    from workflows.approvals.services import approval_withdraw

    approval_withdraw(approval=open_task(assessed, "approve_assessment").approval, actor=caseworker)
    assert work_selectors.return_for_revision_of(open_task(assessed, "assess")) is None


def test_inbox_marks_returned_rows(assessed, office, supervisor, caseworker):
    for case in open_cases(2, office=office, actor=caseworker):
        allocate(case, supervisor, caseworker)
    approve(assessed, "approve_assessment", supervisor, approve=False, comment="More detail")
    html = client_for(caseworker).get(reverse("inbox")).content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    returned = [row for row in rows if ">Returned</span>" in row]
    assert len(returned) == 1 and assessed.reference in returned[0]
    assert "Returned for revision by Kofi Boateng" in returned[0]  # the badge's title


@pytest.mark.parametrize("rows", [2, 12])
def test_inbox_with_returned_rows_keeps_its_query_count(
    rows, office, supervisor, caseworker, django_assert_num_queries
):
    cases = open_cases(rows, office=office, actor=caseworker)
    for case in cases:
        allocate(case, supervisor, caseworker)
        complete_intake(case, caseworker)
        submit_assessment(case, caseworker)
        approve(case, "approve_assessment", supervisor, approve=False, comment="Redo")
    client = client_for(caseworker)
    with django_assert_num_queries(INBOX_MINE_QUERIES):
        html = client.get(reverse("inbox")).content.decode()
    assert html.count(">Returned</span>") == rows


def test_the_caseworker_is_told_once_who_returned_it(assessed, supervisor, caseworker):
    approve(assessed, "approve_assessment", supervisor, approve=False, comment="More detail")
    told = Notification.objects.filter(recipient=caseworker).exclude(event="task_assigned")
    assert [n.event for n in told] == ["task_returned"]
    text = in_app_text(told.get())
    assert text == (
        f"Task “Assess” on {assessed.reference} was returned to you for revision by Kofi Boateng."
    )


def test_an_approval_notice_names_the_work_and_the_decider(assessed, supervisor, caseworker):
    approve(assessed, "approve_assessment", supervisor)
    notice = Notification.objects.get(recipient=caseworker, event="approval_decided")
    assert in_app_text(notice) == (
        f"Your request “Assessment” on {assessed.reference} was decided by Kofi Boateng: approved."
    )


def test_the_returned_notice_is_in_the_readers_language_whoever_sent_it(
    new_case, supervisor, caseworker
):
    """The supervisor works in Polish, the caseworker reads in English: the title is stored
    as its source text and translated for the reader."""
    from django.utils import translation

    from notifications.models import Notification
    from notifications.rendering import in_app_text
    from tests.steps import allocate, approve, complete_intake, submit_assessment

    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    with translation.override("pl"):
        approve(new_case, "approve_assessment", supervisor, approve=False, comment="Popraw")
    notice = Notification.objects.get(recipient=caseworker, event="task_returned")
    assert notice.params["task"] == "Assess"
    with translation.override("en"):
        assert "“Assess”" in in_app_text(notice)
    with translation.override("pl"):
        assert "Assess" not in in_app_text(notice)
