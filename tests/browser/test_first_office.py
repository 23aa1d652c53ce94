"""A new installation's first administrator (`caseflow create_administrator`) opens Staff before
any office exists: the page says what to do and links to it, instead of "not found"; from
there the system status shows the version installed. On a phone in Polish and on a desktop in
English; axe-core checks every page; nothing is wider than the screen.

The demo site has offices, so the installation without one is the staff pages' own view of
the offices (`staff_rules.staff_offices`) answering none, in the live server's process."""

import re

import pytest
from playwright.sync_api import expect

from config import __version__

from .conftest import wider_than_screen

pytestmark = pytest.mark.browser


@pytest.fixture
def no_offices(monkeypatch):
    from accounts import staff_rules
    from accounts.models import Office

    monkeypatch.setattr(staff_rules, "staff_offices", lambda user: Office.objects.none())


@pytest.mark.parametrize(
    ("width", "language", "heading", "add", "status", "version"),
    [
        (375, "pl", "Nie ma jeszcze biura", "Dodaj biuro", "Stan systemu", "Caseflow, wersja"),
        (1280, "en", "No office yet", "Add an office", "System status", "Caseflow version"),
    ],
)
def test_the_first_administrator_is_told_to_add_the_first_office(
    no_offices, person, width, language, heading, add, status, version
):
    page = person("admin", width=width, language=language)
    page.goto("/staff/")
    expect(page.get_by_role("heading", level=2)).to_have_text(heading)
    expect(page.get_by_role("link", name=add)).to_have_attribute(
        "href", "/admin/accounts/office/add/"
    )
    assert wider_than_screen(page) == []
    page.get_by_role("link", name=status).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(status)
    expect(
        page.get_by_text(re.compile(rf"{re.escape(version)} {re.escape(__version__)}\."))
    ).to_be_visible()
    assert wider_than_screen(page) == []
