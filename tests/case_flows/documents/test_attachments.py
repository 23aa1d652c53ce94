"""Attachments: each bad file refused with its reason and nothing stored, photos stripped of
their location, downloads only in the case's scope and recorded, soft delete, a referral's
provider seeing only what it shares, and the case page's query count."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import Role
from case_flows.cases import access as access_services
from case_flows.documents import services
from case_flows.documents.validation import AttachmentRefused
from case_flows.models import (
    AccessAction,
    AccessEvent,
    Attachment,
    CaseEvent,
    EventKind,
    ProviderKind,
    ServiceProvider,
)
from case_flows.referrals import services as referrals
from tests.case_flows.cases.test_views_case import CASE_PAGE_QUERIES
from tests.case_flows.referrals.test_referrals import to_referral_stage
from tests.case_flows.work.test_views_tasks import client_for
from tests.factories import make_team, make_user
from tests.steps import allocate
from workflows.sla.seed import seed_sla_policies

from .conftest import stored_files
from .files import jpeg_with_location, pdf_bytes, png_bomb, windows_program


def upload(name: str, content: bytes, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def attach(case, actor, name="letter.pdf", content=None, **kwargs):
    values = {"kind": "income", "description": "Payslip"}
    values.update(kwargs)
    content = pdf_bytes() if content is None else content
    # The name is passed as it came (an UploadedFile keeps only its last part).
    return services.attachment_create(
        actor=actor, case=case, file=upload(name, content), name=name, **values
    )


@pytest.fixture
def case(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    new_case.refresh_from_db()
    return new_case


# --- bad files: refused with a clear message, nothing stored ---------------------------------

BAD_FILES = [
    ("empty.pdf", b"", "The file is empty"),
    ("program.pdf", windows_program(), "not a PDF or a photo"),
    ("script.pdf", pdf_bytes(javascript="app.alert('hi')"), "contains a script"),
    ("launch.pdf", pdf_bytes(launch=True), "contains a script"),
    ("bomb.png", png_bomb(), "The image is too large"),
    ("x.pdf.exe", pdf_bytes(), "extension of a program"),
    ("../x.pdf", pdf_bytes(), "must not contain folders"),
    ("half.pdf", pdf_bytes()[:200], "damaged"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES)
def test_bad_file_is_refused_and_nothing_stored(
    case, caseworker, private_media, name, content, message
):
    with pytest.raises(AttachmentRefused) as refused:
        attach(case, caseworker, name=name, content=content)
    assert message in str(refused.value.message)
    assert not Attachment.objects.exists()
    assert stored_files(private_media) == []
    assert not CaseEvent.objects.filter(kind=EventKind.ATTACHMENT_ADDED).exists()


def test_oversized_file_is_refused_on_the_page(case, caseworker, private_media, settings):
    settings.ATTACHMENT_MAX_MB = 1
    big = pdf_bytes() + b"%" + b"0" * (1024 * 1024)
    response = client_for(caseworker).post(
        reverse("case_attachments", args=[case.pk]),
        {"file": upload("big.pdf", big), "kind": "court"},
    )
    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()
    assert not Attachment.objects.exists() and stored_files(private_media) == []


def test_polish_message_for_a_refusal(case, caseworker, private_media):
    client = client_for(caseworker)
    client.cookies["django_language"] = "pl"
    response = client.post(
        reverse("case_attachments", args=[case.pk]),
        {"file": upload("x.pdf.exe", pdf_bytes()), "kind": "court"},
        HTTP_ACCEPT_LANGUAGE="pl",
    )
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_a_path_in_the_uploaded_name_is_dropped_by_the_upload(case, caseworker, private_media):
    """Django's upload parser keeps the last part of the name only; the stored file has a
    random name under the case's folder in any case."""
    response = client_for(caseworker).post(
        reverse("case_attachments", args=[case.pk]),
        {"file": upload("../../etc/x.pdf", pdf_bytes()), "kind": "court"},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "x.pdf"
    assert attachment.file.name.startswith(f"cases/{case.pk}/") and ".." not in attachment.file.name
    (path,) = stored_files(private_media)
    assert private_media in path.parents


def test_per_case_limit(case, caseworker, private_media, settings):
    settings.ATTACHMENT_MAX_PER_CASE = 1
    attach(case, caseworker)
    with pytest.raises(AttachmentRefused, match="already has 1 attachments"):
        attach(case, caseworker)
    assert Attachment.objects.count() == 1 and len(stored_files(private_media)) == 1


# --- what is kept ------------------------------------------------------------------------------


def test_photo_is_reencoded_without_location_and_gets_a_thumbnail(case, caseworker):
    original = jpeg_with_location()
    assert b"TestCam" in original and Image.open(io.BytesIO(original)).getexif()
    attachment = attach(case, caseworker, name="IMG_0001.JPG", content=original, kind="photo")
    stored = attachment.file.open("rb").read()
    assert b"TestCam" not in stored
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (640, 480)
    assert not image.getexif() and "exif" not in image.info
    thumb = Image.open(attachment.thumbnail.open("rb"))
    assert max(thumb.size) <= 320
    assert attachment.content_type == "image/jpeg" and attachment.size == len(stored)
    assert len(attachment.sha256) == 64
    event = CaseEvent.objects.get(kind=EventKind.ATTACHMENT_ADDED)
    assert event.data["attachment"] == attachment.pk and event.actor == caseworker


def test_type_comes_from_the_content_not_the_name(case, caseworker):
    attachment = attach(case, caseworker, name="scan.jpg", content=pdf_bytes())
    assert attachment.content_type == "application/pdf"
    assert attachment.original_name == "scan.pdf"


def test_attach_to_a_record_and_a_person(case, caseworker):
    attachment = services.attachment_create(
        actor=caseworker,
        record=case.intake,
        person=case.person,
        kind="consent",
        description="Signed consent",
        file=upload("consent.pdf", pdf_bytes()),
    )
    assert attachment.case == case and attachment.intake == case.intake
    assert attachment.record_label == "intake"


# --- downloads: the case's scope, recorded ---------------------------------------------------


def test_download_in_scope_is_a_private_attachment_and_recorded(case, caseworker):
    attachment = attach(case, caseworker)
    response = client_for(caseworker).get(reverse("attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == attachment.file.open("rb").read()
    assert response["Content-Disposition"].startswith("attachment;")
    assert "letter.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    row = AccessEvent.objects.get(action=AccessAction.VIEW_ATTACHMENT)
    assert row.user == caseworker and row.case_id == case.pk
    assert row.target == f"attachment {attachment.pk}"


def test_x_accel_redirect_when_configured(case, caseworker, settings):
    settings.ATTACHMENT_X_ACCEL_PREFIX = "/_private/"
    attachment = attach(case, caseworker)
    response = client_for(caseworker).get(reverse("attachment_download", args=[attachment.pk]))
    assert response["X-Accel-Redirect"] == f"/_private/{attachment.file.name}"
    assert response.content == b""


def test_other_office_gets_404(case, caseworker, other_office):
    attachment = attach(case, caseworker)
    boss = make_user(Role.SUPERVISOR, other_office, username="boss")
    stranger = make_user(
        Role.CASEWORKER, other_office, make_team(other_office, supervisor=boss), username="far"
    )
    client = client_for(stranger)
    assert client.get(reverse("attachment_download", args=[attachment.pk])).status_code == 404
    assert client.get(reverse("attachment_thumbnail", args=[attachment.pk])).status_code == 404
    assert not AccessEvent.objects.filter(action=AccessAction.VIEW_ATTACHMENT).exists()


def test_restricted_case_not_on_the_list_gets_404(case, caseworker, supervisor, team):
    attachment = attach(case, caseworker)
    colleague = make_user(Role.CASEWORKER, team.office, username="colleague", team=team)
    url = reverse("attachment_download", args=[attachment.pk])
    assert client_for(colleague).get(url).status_code == 200  # the team's case
    access_services.case_restrict(case=case, actor=supervisor, reason="Domestic violence")
    assert client_for(colleague).get(url).status_code == 404
    assert client_for(caseworker).get(url).status_code == 200  # the owner is on the list


def test_provider_sees_only_what_the_referral_shares(new_case, supervisor, caseworker, office):
    seed_sla_policies()
    case = to_referral_stage(new_case, supervisor, caseworker)
    clinic = ServiceProvider.objects.create(
        name="Clinic", kind=ProviderKind.INTERNAL, services="Counselling", office=office
    )
    nurse = make_user(Role.PROVIDER, None, username="nurse")
    clinic.members.add(nurse)
    referral = referrals.referral_send(
        case=case,
        actor=caseworker,
        provider=clinic,
        service_type="Counselling",
        urgency="routine",
        consent_recorded=True,
    )
    shared = attach(case, caseworker, name="shared.pdf")
    private = attach(case, caseworker, name="private.pdf")
    response = client_for(caseworker).post(
        reverse("referral_share", args=[case.pk, referral.pk]), {"attachments": [shared.pk]}
    )
    assert response.status_code == 302
    client = client_for(nurse)
    page = client.get(reverse("provider_referral", args=[referral.pk])).content.decode()
    assert "shared.pdf" in page and "private.pdf" not in page
    url = reverse("provider_attachment_download", args=[referral.pk, shared.pk])
    assert client.get(url).status_code == 200
    hidden = reverse("provider_attachment_download", args=[referral.pk, private.pk])
    assert client.get(hidden).status_code == 404
    assert client.get(reverse("attachment_download", args=[shared.pk])).status_code == 404
    assert AccessEvent.objects.filter(action=AccessAction.VIEW_ATTACHMENT, user=nurse).count() == 1


# --- soft delete -------------------------------------------------------------------------------


def test_soft_delete_by_the_uploader_with_a_reason(case, caseworker, team, private_media):
    attachment = attach(case, caseworker)
    colleague = make_user(Role.CASEWORKER, team.office, username="colleague", team=team)
    url = reverse("attachment_delete", args=[attachment.pk])
    client_for(colleague).post(url, {"reason": "Not mine"})
    assert Attachment.objects.get().deleted_at is None  # only the uploader or the supervisor
    response = client_for(caseworker).post(url, {"reason": "Uploaded to the wrong case"})
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.deleted_by == caseworker
    assert attachment.deletion_reason == "Uploaded to the wrong case"
    event = CaseEvent.objects.get(kind=EventKind.ATTACHMENT_DELETED)
    assert event.comment == "Uploaded to the wrong case"
    download = reverse("attachment_download", args=[attachment.pk])
    assert client_for(caseworker).get(download).status_code == 404
    assert len(stored_files(private_media)) == 1  # the file stays until the retention job
    page = client_for(caseworker).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Attachment deleted" in page and "Uploaded to the wrong case" in page


def test_supervisor_may_delete(case, caseworker, supervisor):
    attachment = attach(case, caseworker)
    services.attachment_delete(actor=supervisor, attachment=attachment, reason="Duplicate")
    assert Attachment.objects.get().deleted_by == supervisor


# --- the case page -----------------------------------------------------------------------------


@pytest.mark.parametrize("count", [1, 4])
def test_case_page_lists_attachments_in_constant_queries(
    case, caseworker, count, django_assert_num_queries
):
    for i in range(count):
        attach(case, caseworker, name=f"doc{i}.pdf")
    attach(case, caseworker, name="photo.jpg", content=jpeg_with_location(), kind="photo")
    client = client_for(caseworker)
    # The same whatever the number of attachments (one query for the list).
    with django_assert_num_queries(CASE_PAGE_QUERIES):
        response = client.get(reverse("case_detail", args=[case.pk]))
    body = response.content.decode()
    assert body.count('class="attachment"') == count + 1
    assert reverse("attachment_thumbnail", args=[Attachment.objects.get(kind="photo").pk]) in body
    assert 'capture="environment"' in body
