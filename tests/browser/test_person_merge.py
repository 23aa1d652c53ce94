"""One person, one record: a supervisor opens the office's possible duplicates, compares a
pair and merges it, keeping one detail from each record; the client's cases are then one
person's."""

import datetime

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_supervisor_merges_a_duplicate_choosing_a_detail_from_each(person):
    from accounts.models import User
    from case_flows.cases.services import case_open, person_create
    from case_flows.models import Case, Category, Person

    supervisor = User.objects.get(username="supervisor")
    office = supervisor.home_office
    born = datetime.date(1990, 2, 3)
    people = [
        person_create(
            actor=supervisor,
            office=office,
            given_name="Zorba",
            family_name="Quenton",
            date_of_birth=born,
            national_id="MERGE-TEST-1",
            phone=phone,
            address=address,
        )
        for phone, address in (("0244000111", "Old Town 1"), ("0244000999", ""))
    ]
    for someone in people:
        case_open(
            actor=supervisor,
            person=someone,
            office=office,
            category=Category.objects.first(),
            risk="medium",
            source="walk_in",
            presenting_concerns="Came twice.",
        )
    kept, merged = people

    page = person("supervisor")
    page.goto("/people/duplicates/")
    expect(page.get_by_role("heading", level=1, name="Possible duplicate people")).to_be_visible()
    page.get_by_role(
        "link", name="Compare and merge Zorba Quenton into Zorba Quenton"
    ).first.click()

    expect(
        page.get_by_role("heading", level=1, name="Merge two records of one person")
    ).to_be_visible()
    page.get_by_label("0244000999 (merged record)").check()  # the newer phone
    page.get_by_label("Old Town 1 (kept record)").check()  # the address only the older has
    page.get_by_label("I have checked that these two records are the same person.").check()
    page.get_by_role("button", name="Merge").click()

    expect(page.get_by_text("was merged into Zorba Quenton")).to_be_visible()
    kept.refresh_from_db()
    assert (kept.phone, kept.address) == ("0244000999", "Old Town 1")
    assert Person.objects.get(pk=merged.pk).merged_into_id == kept.pk
    assert Case.objects.filter(person=kept).count() == 2
