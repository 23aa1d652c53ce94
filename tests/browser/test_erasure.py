"""A person's erasure request, as people do it: the caseworker records it from the closed
case's page; the supervisor finds it on the approvals page, cannot refuse it without a reason,
then approves it, and the client's name is gone from the case. axe-core checks every page."""

import re

import pytest
from playwright.sync_api import expect

import case_flows.cases.services as case_services
from accounts.models import Office, User
from case_flows.models import Category, ErasureRequest, ErasureStatus, Person
from tests.steps import close_case

pytestmark = pytest.mark.browser


def _closed_case():
    office = Office.objects.get(code="BEK")
    caseworker = User.objects.get(username="caseworker")
    supervisor = User.objects.get(username="supervisor")
    person = case_services.person_create(
        actor=caseworker, office=office, given_name="Adwoa", family_name="Darkowaa"
    )
    case = case_services.case_open(
        actor=caseworker,
        person=person,
        office=office,
        category=Category.objects.get(code="child_protection"),
        risk="medium",
        source="walk_in",
        presenting_concerns="Adwoa was left alone at home.",
    )
    return close_case(case, supervisor, caseworker)


def test_supervisor_approves_an_erasure_request(site, person):
    case = _closed_case()

    worker = person("caseworker")
    worker.goto(f"{site.url}/cases/{case.pk}/")
    worker.get_by_role("link", name="Request erasure").click()
    worker.get_by_label(re.compile("^Grounds:?$")).select_option("consent_withdrawn")
    worker.get_by_label(re.compile("^Details:?$")).fill("Asked at the office on Monday.")
    worker.get_by_role("button", name="Request erasure").click()
    expect(worker.get_by_text("waits for a supervisor's decision")).to_be_visible()

    boss = person("supervisor", width=375)
    boss.goto(f"{site.url}/approvals/")
    boss.get_by_role("link", name=re.compile(rf"Review\W+Erasure request {case.reference}")).click()
    expect(boss.get_by_role("heading", name=re.compile("Erasure request"))).to_be_visible()
    boss.get_by_role("button", name="Refuse").click()
    expect(boss.get_by_text("Say why the request is refused.").first).to_be_visible()
    boss.get_by_role("button", name="Approve erasure").click()
    expect(
        boss.get_by_text("Tick the box to confirm that the erasure cannot be undone.").first
    ).to_be_visible()
    boss.get_by_label(re.compile("cannot be undone")).check()
    boss.get_by_role("button", name="Approve erasure").click()
    expect(boss.get_by_text("Approved: the person's data was anonymised.")).to_be_visible()

    assert ErasureRequest.objects.get(case=case).status == ErasureStatus.DONE
    assert Person.objects.get(pk=case.person_id).given_name == "Anonymised"
    worker.goto(f"{site.url}/cases/{case.pk}/")
    expect(worker.get_by_text("This case was anonymised")).to_be_visible()
    expect(worker.get_by_text("Darkowaa")).to_have_count(0)
