"""Returned work and the next task, as people do them (issue #13, items 1 and 7): a supervisor
returns an assessment with a comment and the caseworker finds it marked in the inbox, reads
the comment, revises the form as it was and sends it again; a caseworker completing a task
lands on their next task on the same case, with its due date."""

import re

import pytest
from playwright.sync_api import expect

import case_flows.cases.services as case_services
import case_flows.work.services as work_services
from accounts.models import Office, User
from case_flows.models import Assessment, Case, Category
from workflows.approvals.models import Approval, ApprovalStatus

from .conftest import wider_than_screen

pytestmark = pytest.mark.browser


def _open_task(case: Case, node: str):
    from viewflow.workflow.models import Task

    from case_flows.flows import CaseFlow

    return Task.objects.filter(
        process__caseprocess__case=case,
        flow_task=getattr(CaseFlow, node),
        status__in=["NEW", "ASSIGNED", "STARTED"],
    ).get()


def _allocated_case(caseworker: str, given: str, family: str) -> Case:
    """A Bekwai case registered and allocated to `caseworker`, at intake."""
    office = Office.objects.get(code="BEK")
    worker = User.objects.get(username=caseworker)
    person = case_services.person_create(
        actor=worker, office=office, given_name=given, family_name=family, sex="female"
    )
    case = case_services.case_open(
        actor=worker,
        person=person,
        office=office,
        category=Category.objects.filter(code="child_protection").first()
        or Category.objects.first(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Out of school since the term began.",
    )
    work_services.case_allocate(
        task=_open_task(case, "allocate"),
        actor=User.objects.get(username="supervisor"),
        caseworker=worker,
    )
    return case


def _assessed_case(caseworker: str, given: str, family: str) -> Case:
    case = _allocated_case(caseworker, given, family)
    worker = User.objects.get(username=caseworker)
    work_services.intake_complete(
        task=_open_task(case, "intake"),
        actor=worker,
        source="school",
        presenting_concerns="Out of school since the term began.",
        immediate_safety="at_risk",
        consent_to_share=True,
    )
    work_services.assessment_submit(
        task=_open_task(case, "assess"),
        actor=worker,
        needs={"education": "high", "safety": "medium"},
        strengths="Grandmother nearby and willing to help.",
        risk_decided="medium",
        needs_notes="Walks 6 km to school.",
    )
    return case


def test_a_returned_assessment_is_marked_explained_and_comes_back_filled(person):
    case = _assessed_case("caseworker", "Adwoa", "Sarpong")

    supervisor = person("supervisor")
    supervisor.goto("/approvals/")
    supervisor.get_by_role("row").filter(has_text=case.reference).get_by_role(
        "link", name="Review"
    ).click()
    supervisor.get_by_label("Comment").fill("Ask the school how often she attended.")
    supervisor.get_by_role("button", name="Return for revision").click()
    expect(
        supervisor.get_by_text(re.compile("Returned to the caseworker for revision"))
    ).to_be_visible()

    worker = person("caseworker")
    worker.goto("/inbox/")
    row = worker.get_by_role("row").filter(has_text=case.reference)
    expect(row).to_contain_text("Assess")
    expect(row.get_by_text("Returned", exact=True)).to_be_visible()
    row.get_by_role("link", name="Open").click()

    note = worker.get_by_role("note")
    expect(note).to_contain_text(re.compile(r"Returned for revision by Abena Asante, .+:"))
    expect(note).to_contain_text("Ask the school how often she attended.")
    # The form holds the assessment as it was sent.
    expect(worker.get_by_label("Education")).to_have_value("high")
    expect(worker.get_by_label("Safety")).to_have_value("medium")
    expect(worker.get_by_label("Health")).to_have_value("none")
    expect(worker.get_by_label("Strengths")).to_have_value(
        "Grandmother nearby and willing to help."
    )
    expect(worker.get_by_label("Notes on needs")).to_have_value("Walks 6 km to school.")
    expect(worker.get_by_label("Risk level decided")).to_have_value("medium")

    worker.get_by_label("Notes on needs").fill(
        "Walks 6 km to school. The school says she attended 3 days in 10."
    )
    worker.get_by_role("button", name="Submit the assessment").click()
    expect(worker.get_by_text("The assessment was submitted.")).to_be_visible()

    latest = Assessment.objects.filter(case=case).order_by("-pk").first()
    assert latest.needs_notes.endswith("3 days in 10.")
    assert latest.strengths == "Grandmother nearby and willing to help."
    assert latest.needs["education"] == "high"
    assert Approval.objects.filter(
        subject_id=case.pk, kind="assessment", status=ApprovalStatus.PENDING
    ).exists()
    # The inbox row is no longer marked: the work went back to the supervisor.
    worker.goto("/inbox/")
    expect(worker.get_by_role("row").filter(has_text=case.reference)).to_have_count(0)


@pytest.mark.parametrize("width", [1280, 375])
def test_completing_a_task_offers_the_next_one_on_the_case(person, width):
    case = _allocated_case("caseworker2", "Yaa", f"Asantewaa{width}")

    worker = person("caseworker2", width=width)
    worker.goto("/inbox/")
    worker.get_by_role("row").filter(has_text=case.reference).get_by_role(
        "link", name="Open"
    ).click()
    expect(worker.get_by_role("heading", name="Complete intake")).to_be_visible()
    expect(worker.get_by_text("No deadline applies to this task.")).to_be_visible()
    worker.get_by_label("How the case came to us").select_option("walk_in")
    worker.get_by_label("Immediate safety").select_option("at_risk")
    worker.get_by_label("Consent to share information").select_option("yes")
    worker.get_by_role("button", name="Complete intake").click()

    # Straight on to the assessment of the same case, saying so, with its deadline.
    expect(worker.get_by_text("Intake completed. Next task on this case: Assess.")).to_be_visible()
    expect(worker.get_by_role("heading", name="Assess")).to_be_visible()
    expect(worker.get_by_text(case.reference).first).to_be_visible()
    expect(worker.get_by_text("Due", exact=True)).to_be_visible()
    expect(worker.get_by_text(re.compile(r"due in \d+ days?"))).to_be_visible()
    assert f"/tasks/{_open_task(case, 'assess').pk}/" in worker.url
    if width == 375:
        assert wider_than_screen(worker) == []
