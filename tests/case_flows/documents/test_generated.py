"""Generated documents: the sandbox refuses what could reach beyond the variables, a template is
saved as a new version (a refused one saves nothing), the case record sheet's PDF carries the
case, the client (Polish letters) and the letterhead, is stored as an attachment with its
template version and told on the timeline, only within the case's scope; the admin pages'
permission and query count."""

import io
import time

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Role
from case_flows.cases import services as case_services
from case_flows.documents import generation
from case_flows.documents.sandbox import TemplateRefused, render_body, template_compile
from case_flows.documents.variables import case_variables
from case_flows.models import (
    AccessAction,
    AccessEvent,
    Attachment,
    CaseEvent,
    DocumentTemplate,
    EventKind,
    GeneratedDocument,
    OfficeLetterhead,
)
from case_flows.timeline_text import describe
from tests.case_flows.work.test_views_tasks import client_for
from tests.factories import category, make_person, make_user
from tests.steps import allocate


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def administrator(office):
    return make_user(Role.ADMINISTRATOR, office=office, first_name="Ada", last_name="Admin")


@pytest.fixture
def polish_case(office, caseworker, supervisor):
    person = make_person(office, "Zofia", "Łącka-Żółkiewska", address="ul. Źródlana 3, Sochaczew")
    case = case_services.case_open(
        actor=caseworker,
        person=person,
        office=office,
        category=category(),
        risk="high",
        source="walk_in",
        presenting_concerns="Zaległości czynszowe",
    )
    allocate(case, supervisor, caseworker)
    case.refresh_from_db()
    OfficeLetterhead.objects.create(
        office=office,
        name="Miejski Ośrodek Pomocy Społecznej",
        address="ul. Główna 1\n96-500 Sochaczew",
    )
    return case


# --- the sandbox ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{% load static %}{% static 'x' %}", "{% load %} is not allowed"),
        ('{% include "base.html" %}', "{% include %} is not allowed"),
        ('{% extends "base.html" %}', "{% extends %} is not allowed"),
        ("{% debug %}", "{% debug %} is not allowed"),
        ("{{ client.name|safe }}", "“safe” is not available"),
        ("<p>{% if %}</p>", "Line 1"),
        ("<p>\n<script>alert(1)</script>", "Line 2"),
        ('<img src="https://example.org/x.png">', "cannot fetch anything from the network"),
    ],
)
def test_sandbox_refuses_with_a_clear_message(body, message):
    with pytest.raises(TemplateRefused) as refused:
        template_compile(body)
    assert message in str(refused.value.message)


def test_variables_are_plain_data_and_reach_no_database(polish_case, django_assert_num_queries):
    variables = case_variables(polish_case, language="pl")
    body = (
        "[{{ case.person.office.users }}][{{ client.office.staff }}][{{ case.objects }}]"
        "[{{ client.name }}][{{ client.clear }}{{ referrals.pop }}]"
    )
    with django_assert_num_queries(0):
        out = render_body(body, variables)
    assert out == "[][][][Zofia Łącka-Żółkiewska][]"
    # What a template is given holds no model instance anywhere.
    stack = [variables]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        else:
            assert value is None or isinstance(value, str | int | bool), type(value)


# --- saving templates -------------------------------------------------------------------------


def test_saving_makes_a_new_version_and_keeps_the_old(office, administrator):
    seeded = DocumentTemplate.objects.get(office=None, key="client-notice", language="en")
    saved = generation.document_template_save(
        actor=administrator,
        office=office,
        previous=seeded,
        key=seeded.key,
        language="en",
        name="Notice",
        body="<p>{{ client.name }}</p>",
    )
    assert (saved.office, saved.version, saved.is_current) == (office, 1, True)
    again = generation.document_template_save(
        actor=administrator,
        office=office,
        previous=saved,
        key=saved.key,
        language="en",
        name="Notice",
        body="<p>Dear {{ client.name }}</p>",
    )
    saved.refresh_from_db()
    assert again.version == 2 and saved.superseded_at is not None
    # The office uses its own current version; every other office still the seeded one.
    assert generation.template_for(office, "client-notice", "en") == again
    seeded.refresh_from_db()
    assert seeded.is_current


def test_bad_template_on_the_page_is_refused_and_nothing_saved(office, administrator):
    seeded = DocumentTemplate.objects.get(office=None, key="client-notice", language="pl")
    before = DocumentTemplate.objects.count()
    response = client_for(administrator).post(
        reverse("document_template", args=[seeded.pk]),
        {"name": "Zawiadomienie", "body": "{% load static %}", "action": "save"},
    )
    assert response.status_code == 400
    assert "{% load %} is not allowed" in response.content.decode()
    assert DocumentTemplate.objects.count() == before


def test_template_pages_are_for_administrators_of_the_office(
    office, other_office, administrator, caseworker
):
    assert client_for(caseworker).get(reverse("document_templates")).status_code == 403
    client = client_for(administrator)
    assert (
        client.get(reverse("document_templates") + f"?office={other_office.pk}").status_code == 404
    )
    other = DocumentTemplate.objects.create(
        office=other_office, key="x", language="en", name="Other's", body="<p>x</p>"
    )
    assert client.get(reverse("document_template", args=[other.pk])).status_code == 404


def test_template_list_query_count(office, administrator, django_assert_max_num_queries):
    client = client_for(administrator)
    client.get(reverse("document_templates"))  # the session and permissions warm up
    with django_assert_max_num_queries(12) as counted:
        response = client.get(reverse("document_templates"))
    assert response.status_code == 200
    assert "Case record sheet" in response.content.decode()
    first = len(counted.captured_queries)
    for n in range(5):
        DocumentTemplate.objects.create(
            office=office,
            key=f"extra-{n}",
            language="en",
            name=f"Extra {n}",
            body="<p>x</p>",
            created_by=administrator,
        )
    with django_assert_max_num_queries(first):
        client.get(reverse("document_templates"))


def test_preview_as_html_and_as_pdf_with_the_sample_case(office, administrator):
    seeded = DocumentTemplate.objects.get(office=None, key="case-record-sheet", language="en")
    client = client_for(administrator)
    data = {"name": seeded.name, "body": seeded.body, "preview_case": ""}
    page = client.post(
        reverse("document_template", args=[seeded.pk]), {**data, "action": "preview"}
    )
    assert page.status_code == 200
    assert "Łącka-Żółkiewska" in page.content.decode()
    pdf = client.post(reverse("document_template", args=[seeded.pk]), {**data, "action": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    assert "Case record sheet" in pdf_text(pdf.content)
    assert DocumentTemplate.objects.count() == 6  # a preview saves nothing


# --- generating ---------------------------------------------------------------------------------


def test_case_record_sheet_is_generated_stored_and_on_the_timeline(
    polish_case, caseworker, private_media
):
    client = client_for(caseworker)
    started = time.perf_counter()
    response = client.post(
        reverse("case_document_generate", args=[polish_case.pk]),
        {"template": "case-record-sheet", "language": "pl", "free_text": ""},
    )
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 302, response.content.decode()[:2000]
    document = GeneratedDocument.objects.select_related("attachment", "template").get()
    print(f"\ncase record sheet: {document.render_ms} ms to render, {elapsed:.0f} ms the request")
    attachment = document.attachment
    assert attachment.case == polish_case and attachment.kind == "generated"
    assert document.template.key == "case-record-sheet" and document.template.version == 1
    with attachment.file.open("rb") as stored:
        text = pdf_text(stored.read())
    assert "Karta sprawy" in text
    assert polish_case.reference in text
    assert "Zofia Łącka-Żółkiewska" in text
    assert "Miejski Ośrodek Pomocy Społecznej" in text
    assert "96-500 Sochaczew" in text
    event = CaseEvent.objects.get(case=polish_case, kind=EventKind.DOCUMENT_GENERATED)
    assert not CaseEvent.objects.filter(kind=EventKind.ATTACHMENT_ADDED).exists()
    [told] = describe([event])
    assert "Karta sprawy (version 1" in told.detail
    # The case page lists it among the attachments.
    page = client.get(reverse("case_detail", args=[polish_case.pk])).content.decode()
    assert attachment.original_name in page


def test_notice_carries_the_free_text(polish_case, caseworker, private_media):
    template = generation.template_for(polish_case.office, "client-notice", "en")
    document = generation.document_generate(
        actor=caseworker,
        case=polish_case,
        template=template,
        free_text="Your appointment is on 3 March at 10:00.",
    )
    with document.attachment.file.open("rb") as stored:
        text = pdf_text(stored.read())
    assert "Your appointment is on 3 March at 10:00." in text


def test_another_offices_case_is_404(other_office, polish_case, private_media):
    stranger = make_user(Role.CASEWORKER, office=other_office)
    response = client_for(stranger).post(
        reverse("case_document_generate", args=[polish_case.pk]),
        {"template": "case-record-sheet", "language": "en"},
    )
    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_preview_with_a_real_case_is_recorded(polish_case, administrator):
    seeded = DocumentTemplate.objects.get(office=None, key="case-record-sheet", language="en")
    response = client_for(administrator).post(
        reverse("document_template", args=[seeded.pk]),
        {
            "name": seeded.name,
            "body": seeded.body,
            "preview_case": str(polish_case.pk),
            "action": "preview",
        },
    )
    assert polish_case.reference in response.content.decode()
    assert AccessEvent.objects.filter(
        case=polish_case, action=AccessAction.VIEW_CASE, target="document preview"
    ).exists()


def test_a_referral_letter_needs_a_referral(polish_case, caseworker, private_media):
    from case_flows.referrals.services import referral_create

    client = client_for(caseworker)
    url = reverse("case_document_generate", args=[polish_case.pk])
    # Not offered for a case with no referral; the page says why.
    page = client.get(url).content.decode()
    assert 'value="referral-letter"' not in page
    assert "Not offered, as the case has no referral yet: Referral letter" in page
    # Posted anyway (an old page): refused, nothing stored.
    response = client.post(url, {"template": "referral-letter", "language": "en"})
    assert response.status_code == 400
    template = generation.template_for(polish_case.office, "referral-letter", "en")
    assert template.needs_referral  # declared by the seeded data, not by its key in code
    with pytest.raises(generation.DocumentError, match="needs a referral and the case has none"):
        generation.document_generate(actor=caseworker, case=polish_case, template=template)
    assert not Attachment.objects.exists() and not GeneratedDocument.objects.exists()

    # With a referral it is offered and made.
    referral_create(
        case=polish_case,
        actor=caseworker,
        service_type="Home care",
        provider_name="Opieka Sp. z o.o.",
        consent_recorded=True,
    )
    assert 'value="referral-letter"' in client.get(url).content.decode()
    response = client.post(url, {"template": "referral-letter", "language": "en"})
    assert response.status_code == 302
    with GeneratedDocument.objects.get().attachment.file.open("rb") as stored:
        assert "Opieka Sp. z o.o." in pdf_text(stored.read())
