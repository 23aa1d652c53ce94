"""The browser harness itself: sign-in for each role lands on that role's start page, in both
languages and at both widths, with axe-core checking every page."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("username", "heading"),
    [
        ("caseworker", "Inbox"),
        ("supervisor", "Approvals"),
        ("manager", "Dashboard"),
        ("provider", "Referrals to us"),
    ],
)
def test_each_role_lands_on_its_start_page(person, username, heading):
    page = person(username)
    page.goto("/")
    expect(page.get_by_role("heading", level=1).first).to_contain_text(heading)


def test_polish_caseworker_at_phone_width(person):
    page = person("pracownik", width=375, language="pl")
    page.goto("/inbox/")
    expect(page.get_by_role("heading", level=1, name="Zadania")).to_be_visible()
