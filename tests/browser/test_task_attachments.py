"""A caseworker at phone width photographs a document on the assessment task page (the camera
input), the photo is added without losing what was typed, the submitted assessment has it, the
case page lists it under the assessment; then, arranging the referrals, the caseworker shares it
and a consent form attached there with a provider, whose staff see them and nothing else of the
case's files. In English (Bekwai)
and in Polish (Sochaczew); axe-core checks every page, and the page changed by the upload."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import expect

import case_flows.cases.services as case_services
import case_flows.work.services as work_services
from accounts.models import Office, User
from case_flows.documents.services import attachment_create
from case_flows.models import Assessment, Attachment, Case, Category, Referral
from tests.case_flows.documents.files import jpeg_with_location, pdf_bytes
from tests.steps import approve, complete_intake, open_task, submit_plan

from .conftest import choose, wider_than_screen

pytestmark = pytest.mark.browser

# language, office, caseworker, supervisor, the office's provider that answers in the app and
# its staff login, the client
PEOPLE = {
    "en": ("BEK", "caseworker", "supervisor", "Bekwai Municipal Hospital", "provider", "Ama"),
    "pl": ("SOC", "pracownik", "koordynator", "Punkt Interwencji Kryzysowej", "dostawca", "Ewa"),
}


def either(english: str, polish: str):
    """A whole text in either language (strings new in this change show in English until
    their Polish is compiled into the catalogue)."""
    return re.compile(f"^\\s*({re.escape(english)}|{re.escape(polish)}):?\\s*$")


def _case_at_assessment(office_code: str, caseworker: str, supervisor: str, given: str) -> Case:
    office = Office.objects.get(code=office_code)
    worker = User.objects.get(username=caseworker)
    person = case_services.person_create(
        actor=worker,
        office=office,
        given_name=given,
        family_name="Attachment-Test",
        sex="female",
        date_of_birth=None,
        phone="",
        address="",
    )
    case = case_services.case_open(
        actor=worker,
        person=person,
        office=office,
        category=Category.objects.filter(code="child_protection").first()
        or Category.objects.first(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Rent arrears; the landlord threatens eviction.",
    )
    work_services.case_allocate(
        task=open_task(case, "allocate"),
        actor=User.objects.get(username=supervisor),
        caseworker=worker,
    )
    complete_intake(case, worker)
    case.refresh_from_db()
    return case


@pytest.mark.parametrize("language", ["en", "pl"])
def test_a_photo_taken_on_the_assessment_page_goes_on_it_and_to_a_provider(
    person, axe, language, django_db_blocker
):
    office, caseworker, supervisor, provider_name, provider_login, given = PEOPLE[language]
    with django_db_blocker.unblock():
        case = _case_at_assessment(office, caseworker, supervisor, given)
        assess_url = reverse("task", args=[open_task(case, "assess").pk])

    page = person(caseworker, width=375, language=language)
    page.goto(assess_url)
    # What is typed first stays while the photo is added (the upload is sent in the background).
    strengths = page.get_by_label(either("Strengths", "Zasoby i mocne strony"))
    strengths.fill("Supportive neighbours; the eldest works part-time.")

    page.get_by_text(either("Attach a file or a photo", "Załącz plik lub zdjęcie")).click()
    camera = page.get_by_label(either("Or take a photo", "Albo zrób zdjęcie"))
    assert camera.get_attribute("capture") == "environment"
    assert camera.get_attribute("accept") == "image/*"
    camera.set_input_files(
        {"name": "notice.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_location()}
    )
    page.get_by_label(either("What is it?", "Co to jest?")).select_option("photo")
    belongs = page.get_by_label(either("Belongs to", "Należy do"))
    expect(belongs).to_have_value("task")  # this assessment, chosen already
    page.get_by_label(either("Description", "Opis")).fill("Eviction notice")
    page.get_by_role("button", name=either("Attach", "Załącz")).click()
    expect(
        page.get_by_text(either("The file was attached.", "Plik został załączony."))
    ).to_be_visible()
    section = page.locator("#attachments")
    expect(section.get_by_role("link", name="notice.jpg")).to_be_visible()
    expect(section).to_contain_text(
        re.compile("For the assessment, when it is submitted|Do oceny, gdy zostanie przekazana")
    )
    expect(strengths).to_have_value("Supportive neighbours; the eldest works part-time.")
    axe.check(page)  # the page as the upload left it
    assert wider_than_screen(page) == []

    page.get_by_label(either("Safety", "Bezpieczeństwo")).select_option(index=3)
    page.get_by_label(either("Risk level decided", "Ustalony poziom ryzyka")).select_option(
        "medium"
    )
    page.get_by_role("button", name=either("Submit the assessment", "Przekaż ocenę")).click()
    expect(
        page.get_by_text(either("The assessment was submitted.", "Ocena została przekazana."))
    ).to_be_visible()
    with django_db_blocker.unblock():
        photo = Attachment.objects.get(case=case, original_name="notice.jpg")
        assert photo.assessment == Assessment.objects.get(case=case)
        assert photo.kind == "photo" and photo.thumbnail

    # The case page lists it under the assessment.
    page.goto(f"/cases/{case.pk}/")
    under_assessment = page.locator("section.records").locator(
        "xpath=.//h3[normalize-space()='Assessment' or normalize-space()='Ocena']"
        "/following-sibling::p[contains(@class, 'record-files')][1]"
    )
    expect(under_assessment.get_by_role("link", name="notice.jpg")).to_be_visible()
    assert wider_than_screen(page) == []

    # Approved, planned, approved (by the services); another file stays private to the case.
    with django_db_blocker.unblock():
        boss = User.objects.get(username=supervisor)
        worker = User.objects.get(username=caseworker)
        approve(case, "approve_assessment", boss)
        submit_plan(case, worker)
        approve(case, "approve_plan", boss)
        attachment_create(
            actor=worker,
            case=case,
            kind="income",
            file=SimpleUploadedFile("payslip.pdf", pdf_bytes()),
            name="payslip.pdf",
        )
        arrange_url = reverse("task", args=[open_task(case, "arrange_referrals").pk])

    # Arranging the referral, the caseworker shares the photo with the provider.
    page.goto(arrange_url)
    first = page.get_by_role("group", name=either("Referral 1", "Skierowanie 1"))
    first.get_by_label(either("Service type", "Rodzaj usługi")).fill("Counselling")
    choose(
        first.get_by_label(either("Provider from the directory", "Usługodawca z katalogu")),
        provider_name,
    )
    first.get_by_label(
        either("Client consented to sharing", "Klient zgodził się na udostępnienie danych")
    ).check()
    first.get_by_label(re.compile(r"notice\.jpg")).check()
    expect(first.get_by_label(re.compile(r"payslip\.pdf"))).not_to_be_checked()
    # A file attached here joins each referral's list at once; the ticks and text stay.
    page.get_by_text(either("Attach a file or a photo", "Załącz plik lub zdjęcie")).click()
    page.get_by_label(either("File", "Plik")).set_input_files(
        {"name": "consent.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    page.get_by_label(either("What is it?", "Co to jest?")).select_option("consent")
    page.get_by_role("button", name=either("Attach", "Załącz")).click()
    expect(
        page.get_by_text(either("The file was attached.", "Plik został załączony."))
    ).to_be_visible()
    expect(first.get_by_label(re.compile(r"notice\.jpg"))).to_be_checked()
    expect(first.get_by_label(either("Service type", "Rodzaj usługi"))).to_have_value("Counselling")
    first.get_by_label(re.compile(r"consent\.pdf")).check()
    axe.check(page)
    assert wider_than_screen(page) == []
    page.get_by_role("button", name=either("Save referrals", "Zapisz skierowania")).click()
    expect(
        page.get_by_text(re.compile("Referrals recorded.|Zapisano skierowania."))
    ).to_be_visible()
    with django_db_blocker.unblock():
        referral = Referral.objects.get(case=case)
        shared = referral.shared_attachments.values_list("original_name", flat=True)
        assert sorted(shared) == ["consent.pdf", "notice.jpg"]
        # Attached on the arrange page and shared by this referral alone: the referral's file.
        assert Attachment.objects.get(case=case, original_name="consent.pdf").referral == referral

    # The provider's staff see the photo, and not the case's other file.
    provider = person(provider_login, width=375, language=language)
    provider.goto(f"/referrals/to-us/{referral.pk}/")
    shared = provider.locator(
        "section",
        has=provider.get_by_role(
            "heading", name=either("Documents shared with you", "Dokumenty udostępnione Tobie")
        ),
    )
    expect(shared.get_by_role("link", name="notice.jpg")).to_be_visible()
    expect(shared.get_by_role("link", name="consent.pdf")).to_be_visible()
    # The photo's thumbnail loads (through the referral's scope, not the staff URL).
    thumbnail = shared.get_by_role("img", name=re.compile(r"notice\.jpg"))
    thumbnail.scroll_into_view_if_needed()
    provider.wait_for_function("img => img.complete", arg=thumbnail.element_handle(), timeout=5000)
    assert thumbnail.evaluate("img => img.naturalWidth") > 0
    expect(provider.get_by_role("link", name="payslip.pdf")).to_have_count(0)
    assert wider_than_screen(provider) == []


def test_a_file_deleted_on_the_assessment_page_keeps_what_was_typed(person, axe, django_db_blocker):
    """Deleting, like attaching, is sent in the background: what is typed stays, and the
    message is said in the attachments section (where the user is on a phone), in its live
    region, which takes the focus."""
    office, caseworker, supervisor, _provider, _login, given = PEOPLE["en"]
    with django_db_blocker.unblock():
        case = _case_at_assessment(office, caseworker, supervisor, given)
        assess_url = reverse("task", args=[open_task(case, "assess").pk])

    page = person(caseworker, width=375, language="en")
    page.goto(assess_url)
    strengths = page.get_by_label("Strengths")
    strengths.fill("Supportive neighbours")
    page.get_by_text("Attach a file or a photo").click()
    page.get_by_label(either("File", "Plik")).set_input_files(
        {"name": "wrong.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    page.get_by_label("What is it?").select_option("other")
    page.get_by_role("button", name="Attach", exact=True).click()
    section = page.locator("#attachments")
    status = section.get_by_role("status")
    expect(status).to_have_text("The file was attached.")
    expect(page.locator("main > [role=status]")).to_have_count(0)  # not at the top

    section.get_by_text("Delete: wrong.pdf").click()
    section.get_by_label("Why is it deleted?").fill("Wrong file")
    section.get_by_role("button", name="Delete the attachment").click()
    expect(status).to_have_text("The attachment was deleted.")
    expect(status).to_be_focused()
    expect(section.get_by_role("link", name="wrong.pdf")).to_have_count(0)
    expect(strengths).to_have_value("Supportive neighbours")
    axe.check(page)
    assert wider_than_screen(page) == []
    with django_db_blocker.unblock():
        removed = Attachment.objects.get(case=case, original_name="wrong.pdf")
        assert removed.deleted_at is not None and removed.deletion_reason == "Wrong file"
