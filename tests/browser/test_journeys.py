"""Whole journeys across roles, as people do them: a case registered by a caseworker is
allocated by the supervisor, worked by the caseworker, and its assessment approved; the same
in Polish at phone width. Each person uses their own browser; axe-core checks every page."""

import re

import pytest
from playwright.sync_api import expect

import case_flows.cases.services as case_services
from accounts.models import Office, User
from case_flows.models import Case, Category, Stage

from .conftest import choose, wider_than_screen

pytestmark = pytest.mark.browser


def _register(office_code: str, caseworker: str, given: str, family: str) -> Case:
    """A case registered as the caseworker would, waiting for allocation."""
    office = Office.objects.get(code=office_code)
    actor = User.objects.get(username=caseworker)
    person = case_services.person_create(
        actor=actor,
        office=office,
        given_name=given,
        family_name=family,
        sex="female",
        date_of_birth=None,
        phone="",
        address="",
    )
    return case_services.case_open(
        actor=actor,
        person=person,
        office=office,
        category=Category.objects.filter(code="child_protection").first()
        or Category.objects.first(),
        risk="high",
        source="walk_in",
        presenting_concerns="Child left alone at home for days.",
    )


def _open_case_task(page, case: Case, task_name: str):
    """From the case page, open (or claim) the named open task."""
    page.goto(f"/cases/{case.pk}/")
    row = page.get_by_role("row").filter(has_text=re.compile(task_name))
    row.get_by_role("link").or_(row.get_by_role("button")).first.click()


def test_allocation_intake_assessment_and_approval(person):
    case = _register("BEK", "caseworker", "Efua", "Darko")

    supervisor = person("supervisor")
    _open_case_task(supervisor, case, "Allocate case")
    choose(supervisor.get_by_label("Caseworker"), "Kwabena Owusu")
    supervisor.get_by_role("button", name="Allocate").click()
    expect(supervisor.get_by_text(re.compile("The case was allocated to"))).to_be_visible()
    case.refresh_from_db()
    assert case.owner is not None and case.owner.username == "caseworker2"

    worker = person("caseworker2")
    worker.goto("/inbox/")
    row = worker.get_by_role("row").filter(has_text=case.reference)
    expect(row).to_contain_text("Complete intake")
    row.get_by_role("link", name="Open").click()
    worker.get_by_label("How the case came to us").select_option("walk_in")
    worker.get_by_label("Immediate safety").select_option(index=1)
    worker.get_by_label("Consent to share information").select_option("yes")
    worker.get_by_role("button", name="Complete intake").click()
    expect(worker.get_by_text("Intake completed.")).to_be_visible()

    _open_case_task(worker, case, "Assess")
    worker.get_by_label("Safety").select_option(index=3)
    worker.get_by_label("Strengths").fill("Grandmother nearby and willing to help.")
    worker.get_by_label("Risk level decided").select_option("high")
    worker.get_by_role("button", name="Submit the assessment").click()
    expect(worker.get_by_text("The assessment was submitted.")).to_be_visible()

    supervisor.goto("/approvals/")
    supervisor.get_by_role("row").filter(has_text=case.reference).get_by_role(
        "link", name="Review"
    ).click()
    supervisor.get_by_label("Comment").fill("Agreed; plan within two weeks.")
    supervisor.get_by_role("button", name="Approve").click()
    expect(supervisor.get_by_text(re.compile("Approved:"))).to_be_visible()

    case.refresh_from_db()
    assert case.stage == Stage.PLANNING
    worker.goto("/inbox/")
    expect(worker.get_by_role("row").filter(has_text=case.reference)).to_contain_text(
        "Write the case plan"
    )


def test_polish_coordinator_allocates_at_phone_width(person):
    case = _register("SOC", "pracownik", "Zofia", "Wójcik")

    coordinator = person("koordynator", width=375, language="pl")
    _open_case_task(coordinator, case, "Przydziel sprawę")
    caseworker_field = coordinator.get_by_label("Pracownik socjalny")
    caseworker_field.select_option(index=1)
    coordinator.get_by_role("button", name="Przydziel").click()
    expect(coordinator.get_by_text(re.compile("Sprawę przydzielono"))).to_be_visible()
    case.refresh_from_db()
    assert case.owner is not None

    # The case page at phone width: nothing wider than the screen.
    coordinator.goto(f"/cases/{case.pk}/")
    assert wider_than_screen(coordinator) == []


def test_the_data_protection_officer_finds_a_caseworkers_case_view(person):
    """A caseworker opens a case; the office's data protection officer, who lands on the access
    log, filters it by that caseworker and finds the view."""
    case = Case.objects.filter(office__code="BEK", owner__username="caseworker").first()
    assert case is not None, "the demo gives the caseworker cases"
    caseworker = person("caseworker")
    caseworker.goto(f"/cases/{case.pk}/")
    expect(caseworker.get_by_text(case.reference).first).to_be_visible()

    officer = person("dpo")
    expect(officer.get_by_role("heading", name="Access log")).to_be_visible()
    choose(officer.get_by_label("Person"), "Akosua Mensah (caseworker)")
    choose(officer.get_by_label("Action"), "Opened a case")
    officer.get_by_role("button", name="Filter").click()
    row = officer.get_by_role("row").filter(has_text=case.reference)
    expect(row.first).to_be_visible()
    expect(row.first).to_contain_text("Akosua Mensah")
    # the officer reads the log, not the case: its reference is no link to a "not found"
    expect(row.first).to_contain_text(case.reference)
    expect(row.first.get_by_role("link", name=case.reference)).to_have_count(0)
