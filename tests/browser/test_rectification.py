"""Rectification as a caseworker meets it: "Edit client details" on the case page, a new
phone number saved, and the timeline shows the old and the new value; at desktop and phone
widths (the form and the case page fit a 375 px screen)."""

import pytest
from playwright.sync_api import expect

from .conftest import wider_than_screen

pytestmark = pytest.mark.browser


def test_caseworker_corrects_a_phone_number_and_sees_it_on_the_timeline(person):
    from case_flows.models import Case

    case = (
        Case.objects.filter(owner__username="caseworker")
        .exclude(stage="closed")
        .select_related("person")
        .order_by("pk")
        .first()
    )
    assert case is not None
    old_phone = case.person.phone or "—"
    for width, new_phone in ((1280, "+233 20 555 0101"), (375, "+233 20 555 0202")):
        page = person("caseworker", width=width)
        page.goto(f"/cases/{case.pk}/")
        page.get_by_role("link", name="Edit client details").click()
        expect(page.get_by_role("heading", level=1, name="Edit client details")).to_be_visible()
        if width < 700:
            assert wider_than_screen(page) == []
        page.get_by_label("Phone").fill(new_phone)
        page.get_by_role("button", name="Save the client's details").click()
        expect(page.get_by_text("The client's details were saved.")).to_be_visible()
        row = page.get_by_role("row").filter(has_text="Client details changed").first
        expect(row).to_contain_text(f"Phone: {old_phone} → {new_phone}")
        if width < 700:
            assert wider_than_screen(page) == []
        old_phone = new_phone
    case.person.refresh_from_db()
    assert case.person.phone == "+233 20 555 0202"
