"""A caseworker generates the case record sheet from the case page and finds it among the
case's attachments: in English at desktop width (Bekwai), in Polish on a phone (Sochaczew,
where the office's language makes the Polish version the default). axe-core checks every
page."""

import re

import pytest
from playwright.sync_api import expect

from case_flows.models import Case, GeneratedDocument

from .conftest import wider_than_screen

pytestmark = pytest.mark.browser


def _text(english: str, polish: str):
    """Either language: the Polish catalogue of this change is merged by the lead."""
    return re.compile(f"{re.escape(english)}|{re.escape(polish)}")


def _field(page, english: str, polish: str):
    """A form field by its whole label (Django adds a colon; the header's language switcher
    has none)."""
    return page.get_by_label(re.compile(f"^({re.escape(english)}|{re.escape(polish)}):$"))


def _open_case(office_code: str, username: str) -> Case:
    case = (
        Case.objects.filter(office__code=office_code, owner__username=username)
        .exclude(stage="closed")
        .filter(is_restricted=False, anonymised_at__isnull=True)
        .order_by("pk")
        .first()
    )
    assert case is not None, "the demo gives the caseworker open cases"
    return case


@pytest.mark.parametrize(
    ("username", "office_code", "width", "language", "sheet_name"),
    [
        ("caseworker", "BEK", 1280, None, "Case record sheet"),
        ("pracownik", "SOC", 375, "pl", "Karta sprawy"),
    ],
    ids=["desktop-en", "phone-pl"],
)
def test_caseworker_generates_the_case_record_sheet(
    person, django_db_blocker, username, office_code, width, language, sheet_name
):
    with django_db_blocker.unblock():
        case = _open_case(office_code, username)
    page = person(username, width=width, language=language)
    page.goto(f"/cases/{case.pk}/")
    page.get_by_role("link", name=_text("Generate a document", "Wygeneruj dokument")).click()
    expect(
        page.get_by_role("heading", name=_text("Generate a document", "Wygeneruj dokument"))
    ).to_be_visible()
    document = _field(page, "Document", "Dokument")
    document.select_option(value="case-record-sheet")
    # The office's language is the default.
    expected_language = "pl" if office_code == "SOC" else "en"
    expect(_field(page, "Language", "Język")).to_have_value(expected_language)
    assert wider_than_screen(page) == []
    page.get_by_role("button", name=_text("Generate", "Wygeneruj")).click()
    expect(
        page.get_by_text(
            _text("The document was generated and attached", "Dokument wygenerowano i dołączono")
        )
    ).to_be_visible()
    section = page.locator("#attachments")
    expect(section.get_by_role("link", name=re.compile(re.escape(sheet_name)))).to_be_visible()
    assert wider_than_screen(page) == []
    with django_db_blocker.unblock():
        generated = GeneratedDocument.objects.select_related("attachment", "template").get(
            attachment__case=case
        )
    assert generated.template.key == "case-record-sheet"
    assert generated.language == expected_language
    assert generated.attachment.original_name.startswith(sheet_name)
