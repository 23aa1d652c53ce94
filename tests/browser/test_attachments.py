"""A caseworker photographs a document from the case page on a phone and sees it listed
with its thumbnail (the camera input: capture="environment")."""

import pytest
from playwright.sync_api import expect

from case_flows.models import Attachment, Case
from tests.case_flows.documents.files import jpeg_with_location

from .conftest import wider_than_screen

pytestmark = pytest.mark.browser


def test_caseworker_attaches_a_photo_from_the_case_page_on_a_phone(person, django_db_blocker):
    with django_db_blocker.unblock():
        case = (
            Case.objects.filter(office__code="BEK", owner__username="caseworker")
            .exclude(stage="closed")
            .filter(is_restricted=False, anonymised_at__isnull=True)
            .order_by("pk")
            .first()
        )
    assert case is not None, "the demo gives the caseworker open cases"
    page = person("caseworker", width=375)
    page.goto(f"/cases/{case.pk}/")
    page.get_by_text("Attach a file or a photo", exact=True).click()
    camera = page.get_by_label("Or take a photo")
    assert camera.get_attribute("capture") == "environment"
    camera.set_input_files(
        {"name": "tenancy.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_location()}
    )
    page.get_by_label("What is it?").select_option(label="Photo")
    page.get_by_label("Description").fill("Tenancy agreement, page 1")
    page.get_by_role("button", name="Attach").click()
    expect(page.get_by_text("The file was attached.")).to_be_visible()
    section = page.locator("#attachments")
    expect(section.get_by_role("link", name="tenancy.jpg")).to_be_visible()
    thumbnail = section.get_by_role("img", name="Preview of tenancy.jpg")
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth > 0")
    assert wider_than_screen(page) == []
    with django_db_blocker.unblock():
        attachment = Attachment.objects.get(case=case, original_name="tenancy.jpg")
    assert attachment.kind == "photo" and attachment.thumbnail
