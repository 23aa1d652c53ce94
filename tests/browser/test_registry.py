"""One person, one record: registering a case starts with a search; the caseworker finds the
client already registered (typed without accents, family name first), sees why they match and
their earlier case, and opens a new case for the same person, at desktop and phone width."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 375])
def test_caseworker_finds_the_client_and_opens_a_case_for_them(person, width):
    from case_flows.models import Case, Person

    earlier = Case.objects.filter(owner__username="caseworker").select_related("person").first()
    client = earlier.person
    cases_before, people_before = Case.objects.filter(person=client).count(), Person.objects.count()

    page = person("caseworker", width=width)
    page.goto("/cases/new/")
    expect(page.get_by_role("heading", level=1, name="Find the person")).to_be_visible()
    page.get_by_label("Given name").fill(client.family_name.lower())
    page.get_by_label("Family name").fill(client.given_name.upper())
    page.get_by_role("button", name="Find the person").click()

    card = page.get_by_role("listitem").filter(has_text=str(client)).first
    expect(card).to_contain_text("Why: same name")
    expect(card.get_by_role("link", name=earlier.reference)).to_be_visible()
    card.get_by_role("link", name=f"Open a case for {client}").click()

    expect(page.get_by_text(f"The case is for {client}, already registered.")).to_be_visible()
    expect(page.get_by_label("Given name")).to_have_count(0)  # no second record to type
    page.get_by_label("Category").select_option(index=1)
    page.get_by_label("Risk level").select_option(label="Medium")
    page.get_by_label("How the case came to us").select_option(label="Walk-in")
    page.get_by_label("Presenting concerns").fill("Back again: school fees unpaid.")
    page.get_by_role("button", name="Open the case").click()

    expect(page.get_by_role("heading", level=1, name=str(client))).to_be_visible()
    assert Case.objects.filter(person=client).count() == cases_before + 1
    assert Person.objects.count() == people_before
