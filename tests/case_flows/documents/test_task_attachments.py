"""Files attached on the task pages: every task that writes a record offers its record; a file
attached before the record exists waits on the task (kept through a refused form) and goes on
the record when the task is submitted; a task finished meanwhile refuses the file and stores
nothing; the pages keep their query counts. Referrals: the files each referral shares are chosen
when arranging it and changed later, and the provider sees only those."""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

import case_flows.referrals.services as referral_services
import case_flows.work.services as work_services
from accounts.models import Role
from case_flows.cases.services import CaseError, case_open
from case_flows.documents.forms import record_choices
from case_flows.documents.services import attachment_create
from case_flows.models import (
    AccessAction,
    AccessEvent,
    Assessment,
    Attachment,
    CaseEvent,
    CasePlan,
    Closure,
    FollowUp,
    ProviderKind,
    Referral,
    ServiceProvider,
)
from tests.case_flows.formdefs.test_done_when import TASK_PAGE_WITH_FORM_QUERIES
from tests.case_flows.work.test_views_tasks import client_for, plan_data
from tests.factories import category, make_person, make_user, need_domains
from tests.steps import (
    allocate,
    approve,
    complete_intake,
    open_task,
    submit_assessment,
    submit_plan,
)

from .conftest import stored_files
from .files import jpeg_with_location, pdf_bytes

TODAY = timezone.localdate().isoformat()
ASSESS = {
    **{f"need_{code}": "none" for code in ("health", "shelter", "income", "legal")},
    "need_safety": "medium",
    "need_education": "high",
    "need_psychosocial": "low",
    "strengths": "Supportive grandmother",
    "risk_decided": "high",
}
FOLLOW_UP = {"date": TODAY, "mode": "visit", "notes": "Attending", "next_step": "continue"}
CLOSURE = {"reason": "goals_met", "summary": "Done"}

# node: (the record's model and column, a valid submit, the same refused, the list's note)
TASKS = {
    "assess": (
        Assessment,
        "assessment",
        ASSESS,
        {**ASSESS, "strengths": ""},
        "For the assessment, when it is submitted",
    ),
    "plan": (
        CasePlan,
        "plan",
        plan_data(),
        plan_data(goals="  \n"),
        "For the case plan, when it is submitted",
    ),
    "follow_up": (
        FollowUp,
        "follow_up",
        FOLLOW_UP,
        {**FOLLOW_UP, "notes": ""},
        "For the follow-up, when it is recorded",
    ),
    "prepare_closure": (
        Closure,
        "closure",
        CLOSURE,
        {**CLOSURE, "summary": ""},
        "For the closure, when it is submitted",
    ),
}


def to_task(case, node, supervisor, caseworker):
    """Walk the case through the services up to its open `node` task."""
    need_domains()
    allocate(case, supervisor, caseworker)
    steps = [
        ("intake", lambda: complete_intake(case, caseworker)),
        ("assess", lambda: submit_assessment(case, caseworker)),
        ("approve_assessment", lambda: approve(case, "approve_assessment", supervisor)),
        ("plan", lambda: submit_plan(case, caseworker)),
        ("approve_plan", lambda: approve(case, "approve_plan", supervisor)),
        (
            "arrange_referrals",
            lambda: referral_services.referrals_arrange(
                task=open_task(case, "arrange_referrals"),
                actor=caseworker,
                referrals=[],
                none_needed=True,
            ),
        ),
        (
            "follow_up",
            lambda: work_services.follow_up_record(
                task=open_task(case, "follow_up"),
                actor=caseworker,
                date=timezone.localdate(),
                mode="visit",
                notes="Fine",
                next_step="close",
            ),
        ),
    ]
    for name, step in steps:
        if name == node:
            break
        step()
    return open_task(case, node)


def upload_on(client, case, task, *, name="photo.jpg", record="task", kind="photo"):
    content = jpeg_with_location() if name.endswith(".jpg") else pdf_bytes()
    field = "photo" if name.endswith(".jpg") else "file"
    return client.post(
        reverse("case_attachments", args=[case.pk]),
        {
            "task": task.pk,
            "record": record,
            "kind": kind,
            "description": "",
            "about": "",
            field: SimpleUploadedFile(name, content, content_type="application/octet-stream"),
            "next": reverse("task", args=[task.pk]),
        },
    )


def records_section(body: str) -> str:
    return body[body.index('<section class="card records">') :]


@pytest.mark.parametrize("node", list(TASKS))
def test_a_file_attached_on_a_task_page_goes_on_the_record_the_task_writes(
    new_case, supervisor, caseworker, node
):
    model, column, valid, refused, note = TASKS[node]
    task = to_task(new_case, node, supervisor, caseworker)
    url = reverse("task", args=[task.pk])
    client = client_for(caseworker)

    # The page offers its record, chosen already, and the phone's camera.
    page = client.get(url).content.decode()
    assert f'name="task" value="{task.pk}"' in page
    assert '<option value="task" selected>' in page
    assert 'capture="environment"' in page

    response = upload_on(client, new_case, task)
    assert response.status_code == 302 and response["Location"] == url
    attachment = Attachment.objects.get(case=new_case)
    assert attachment.task_id == task.pk and attachment.record is None  # waiting on the task
    assert note in client.get(url).content.decode()

    # A refused form changes nothing: the file still waits, and is listed.
    response = client.post(url, refused)
    assert response.status_code == 400
    assert not model.objects.filter(case=new_case).exists()
    attachment.refresh_from_db()
    assert attachment.record is None and note in response.content.decode()

    # Submitted: the record it wrote has the file.
    response = client.post(url, valid)
    assert response.status_code == 302, response.content.decode()[:2000]
    record = model.objects.filter(case=new_case).latest("pk")
    attachment.refresh_from_db()
    assert getattr(attachment, f"{column}_id") == record.pk
    assert attachment.record_label  # the list names the record now

    # The case page shows it under that record.
    body = client.get(reverse("case_detail", args=[new_case.pk])).content.decode()
    assert 'class="record-files"' in records_section(body)
    assert "photo.jpg" in records_section(body)


def test_the_intake_page_attaches_to_the_intake_at_once(new_case, supervisor, caseworker):
    task = to_task(new_case, "intake", supervisor, caseworker)
    client = client_for(caseworker)
    page = client.get(reverse("task", args=[task.pk])).content.decode()
    assert '<option value="task" selected>This intake</option>' in page
    upload_on(client, new_case, task, name="consent.pdf", kind="consent")
    on_intake = Attachment.objects.get(original_name="consent.pdf")
    assert on_intake.intake == new_case.intake and on_intake.task_id == task.pk
    # "The case as a whole" from the same page: no record, not waiting on the task either.
    upload_on(client, new_case, task, name="letter.pdf", record="", kind="other")
    whole = Attachment.objects.get(original_name="letter.pdf")
    assert whole.record is None and whole.task_id is None


def test_a_task_finished_meanwhile_refuses_the_file_and_stores_nothing(
    new_case, supervisor, caseworker, private_media
):
    task = to_task(new_case, "assess", supervisor, caseworker)
    client = client_for(caseworker)
    client.get(reverse("task", args=[task.pk]))  # the page was open...
    submit_assessment(new_case, caseworker)  # ...while the task was submitted (another tab)
    response = upload_on(client, new_case, task)
    assert response.status_code == 409
    assert "This task was finished meanwhile" in response.content.decode()
    assert not Attachment.objects.exists() and stored_files(private_media) == []


def test_someone_elses_task_or_another_cases_task_is_refused(
    new_case, office, team, supervisor, caseworker, private_media
):
    task = to_task(new_case, "assess", supervisor, caseworker)
    assert task.owner_id == caseworker.pk
    colleague = make_user(Role.CASEWORKER, office, username="colleague", team=team)
    response = upload_on(client_for(colleague), new_case, task)
    assert response.status_code == 403
    assert "This task is assigned to" in response.content.decode()
    # A task id of another case: 404, whatever the case.
    other_case = another_case(office, supervisor, caseworker)
    assert upload_on(client_for(caseworker), other_case, task).status_code == 404
    assert not Attachment.objects.exists() and stored_files(private_media) == []


# The task pages with their attachments section, whatever the number of files: one query for
# the list, as before this section named the task's record (measured on the commit before it:
# the same numbers), and shared with the referrals' choices of files on the arrange page. The
# assess page is TASK_PAGE_WITH_FORM_QUERIES (tests/case_flows/formdefs/test_done_when.py):
# its configured-form lookups run with or without a configured form.
TASK_PAGE_QUERIES = {
    "assess": TASK_PAGE_WITH_FORM_QUERIES,
    "plan": 16,
    "arrange_referrals": 16,
    "follow_up": 19,
    "prepare_closure": 16,
}


@pytest.mark.parametrize("node", list(TASK_PAGE_QUERIES))
@pytest.mark.parametrize("count", [1, 4])
def test_task_pages_list_attachments_in_constant_queries(
    new_case, supervisor, caseworker, node, count, django_assert_num_queries
):
    task = to_task(new_case, node, supervisor, caseworker)
    client = client_for(caseworker)
    for i in range(count):  # waiting on the task, and on the case as a whole
        upload_on(client, new_case, task, name=f"doc{i}.pdf", record="task" if i % 2 else "")
    url = reverse("task", args=[task.pk])
    client.get(url)  # warm the session
    with django_assert_num_queries(TASK_PAGE_QUERIES[node]):
        body = client.get(url).content.decode()
    assert body.count('class="attachment"') == count


# --- referrals ------------------------------------------------------------------------------


@pytest.fixture
def clinic(office):
    return ServiceProvider.objects.create(
        name="Clinic", kind=ProviderKind.INTERNAL, services="Counselling", office=office
    )


@pytest.fixture
def nurse(clinic):
    user = make_user(Role.PROVIDER, None, username="nurse")
    clinic.members.add(user)
    return user


def arrange(client, task, clinic, *, first=(), second=(), second_service="Shelter"):
    data = {
        "referrals-TOTAL_FORMS": "3",
        "referrals-INITIAL_FORMS": "0",
        "referrals-0-service_type": "Counselling",
        "referrals-0-provider": clinic.pk,
        "referrals-0-urgency": "routine",
        "referrals-0-consent_recorded": "on",
        "referrals-0-attachments": [str(pk) for pk in first],
        "referrals-1-urgency": "routine",
        "referrals-2-urgency": "routine",
    }
    if second_service:
        data.update(
            {
                "referrals-1-service_type": second_service,
                "referrals-1-provider_name": "Hope Shelter",
                "referrals-1-consent_recorded": "on",
                "referrals-1-attachments": [str(pk) for pk in second],
            }
        )
    return client.post(reverse("task", args=[task.pk]), data)


def provider_sees(nurse, referral) -> str:
    return client_for(nurse).get(reverse("provider_referral", args=[referral.pk])).content.decode()


def test_arranging_shares_the_files_chosen_per_referral_and_the_provider_sees_only_those(
    new_case, supervisor, caseworker, clinic, nurse
):
    task = to_task(new_case, "arrange_referrals", supervisor, caseworker)
    client = client_for(caseworker)
    upload_on(client, new_case, task, name="medical.pdf", kind="medical")  # for one referral
    upload_on(client, new_case, task, name="both.pdf", kind="other")  # shared by both
    upload_on(client, new_case, task, name="kept.pdf", kind="other")  # shared by none
    medical, both, kept = (
        Attachment.objects.get(original_name=n) for n in ("medical.pdf", "both.pdf", "kept.pdf")
    )
    # Each referral of the page offers the case's files.
    page = client.get(reverse("task", args=[task.pk])).content.decode()
    assert page.count('name="referrals-0-attachments"') == 3
    assert 'name="referrals-2-attachments"' in page

    # Refused (a referral with files but no service or provider): nothing shared or moved.
    response = client.post(
        reverse("task", args=[task.pk]),
        {
            "referrals-TOTAL_FORMS": "3",
            "referrals-INITIAL_FORMS": "0",
            "referrals-0-urgency": "routine",
            "referrals-0-attachments": [str(medical.pk)],
            "referrals-1-urgency": "routine",
            "referrals-2-urgency": "routine",
        },
    )
    assert response.status_code == 400
    assert "Each referral needs a service type and a provider." in response.content.decode()
    assert not Referral.objects.exists()

    response = arrange(client, task, clinic, first=[medical.pk, both.pk], second=[both.pk])
    assert response.status_code == 302, response.content.decode()[:2000]
    to_clinic = Referral.objects.get(provider=clinic)
    to_shelter = Referral.objects.get(provider_name="Hope Shelter")
    assert set(to_clinic.shared_attachments.values_list("pk", flat=True)) == {medical.pk, both.pk}
    assert list(to_shelter.shared_attachments.values_list("pk", flat=True)) == [both.pk]
    # The file shared with one referral is that referral's; the others stay with the case.
    for attachment in (medical, both, kept):
        attachment.refresh_from_db()
    assert medical.referral == to_clinic
    assert both.record is None and kept.record is None
    assert CaseEvent.objects.filter(transition="referral_attachments_shared").count() == 2

    page = provider_sees(nurse, to_clinic)
    assert "medical.pdf" in page and "both.pdf" in page and "kept.pdf" not in page
    nurse_client = client_for(nurse)
    download = reverse("provider_attachment_download", args=[to_clinic.pk, medical.pk])
    assert nurse_client.get(download).status_code == 200
    hidden = reverse("provider_attachment_download", args=[to_clinic.pk, kept.pk])
    assert nurse_client.get(hidden).status_code == 404


def another_case(office, supervisor, caseworker):
    case = case_open(
        actor=caseworker,
        person=make_person(office, "Ama", "Owusu"),
        office=office,
        category=category(),
        risk="low",
        source="walk_in",
        presenting_concerns="Rent arrears",
    )
    allocate(case, supervisor, caseworker)
    case.refresh_from_db()
    return case


def test_a_file_of_another_case_cannot_be_shared_when_arranging(
    new_case, office, supervisor, caseworker, clinic
):
    task = to_task(new_case, "arrange_referrals", supervisor, caseworker)
    other = another_case(office, supervisor, caseworker)
    foreign = attachment_create(
        actor=caseworker,
        case=other,
        kind="other",
        file=SimpleUploadedFile("foreign.pdf", pdf_bytes()),
        name="foreign.pdf",
    )
    client = client_for(caseworker)
    response = arrange(client, task, clinic, first=[foreign.pk], second_service="")
    assert response.status_code == 400
    assert not Referral.objects.exists()
    # The service refuses it too (a caller that bypasses the page), and writes nothing.
    with pytest.raises(CaseError, match="Only this case's own attachments can be shared."):
        referral_services.referrals_arrange(
            task=task,
            actor=caseworker,
            referrals=[
                {
                    "service_type": "Counselling",
                    "provider": clinic,
                    "consent_recorded": True,
                    "attachments": [str(foreign.pk)],
                }
            ],
        )
    assert not Referral.objects.exists()
    assert not foreign.shared_with_referrals.exists()


def test_sharing_is_changed_later_on_the_referrals_page_both_ways(
    new_case, supervisor, caseworker, clinic, nurse
):
    task = to_task(new_case, "arrange_referrals", supervisor, caseworker)
    client = client_for(caseworker)
    upload_on(client, new_case, task, name="first.pdf", kind="other")
    upload_on(client, new_case, task, name="second.pdf", kind="other")
    first, second = (Attachment.objects.get(original_name=n) for n in ("first.pdf", "second.pdf"))
    assert arrange(client, task, clinic, first=[first.pk], second_service="").status_code == 302
    referral = Referral.objects.get()
    assert "first.pdf" in provider_sees(nurse, referral)

    # The referrals page shows what it shares, and changes it: the first no longer, the second.
    page = client.get(reverse("case_referrals", args=[new_case.pk])).content.decode()
    assert "Shares 1 attachment" in page
    share = reverse("referral_share", args=[new_case.pk, referral.pk])
    assert client.post(share, {"attachments": [second.pk]}).status_code == 302
    seen = provider_sees(nurse, referral)
    assert "second.pdf" in seen and "first.pdf" not in seen
    nurse_client = client_for(nurse)
    gone = reverse("provider_attachment_download", args=[referral.pk, first.pk])
    assert nurse_client.get(gone).status_code == 404
    now = reverse("provider_attachment_download", args=[referral.pk, second.pk])
    assert nurse_client.get(now).status_code == 200
    # And nothing at all.
    assert client.post(share, {}).status_code == 302
    seen = provider_sees(nurse, referral)
    assert "second.pdf" not in seen and "first.pdf" not in seen
    assert AccessEvent.objects.filter(action=AccessAction.VIEW_ATTACHMENT, user=nurse).count() == 1


# --- what the tester found ------------------------------------------------------------------


def shared_photo_and_pdf(client, new_case, task, clinic):
    """On the arrange page: a photo and a PDF attached and shared with the clinic's referral,
    another photo kept private to the case."""
    upload_on(client, new_case, task, name="photo.jpg", kind="photo")
    upload_on(client, new_case, task, name="private.jpg", kind="photo")
    upload_on(client, new_case, task, name="letter.pdf", kind="other")
    photo, private, letter = (
        Attachment.objects.get(original_name=n) for n in ("photo.jpg", "private.jpg", "letter.pdf")
    )
    response = arrange(client, task, clinic, first=[photo.pk, letter.pk], second_service="")
    assert response.status_code == 302
    return photo, private, letter, Referral.objects.get()


def test_the_provider_sees_the_thumbnail_of_a_shared_photo_through_the_referral_only(
    new_case, supervisor, caseworker, clinic, nurse
):
    task = to_task(new_case, "arrange_referrals", supervisor, caseworker)
    photo, private, _letter, referral = shared_photo_and_pdf(
        client_for(caseworker), new_case, task, clinic
    )
    page = provider_sees(nurse, referral)
    thumbnail = reverse("provider_attachment_thumbnail", args=[referral.pk, photo.pk])
    assert f'src="{thumbnail}"' in page
    assert f'src="{reverse("attachment_thumbnail", args=[photo.pk])}"' not in page
    nurse_client = client_for(nurse)
    response = nurse_client.get(thumbnail)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    # Nothing wider: the staff thumbnail, a photo the referral does not share, another
    # referral's path, a file no longer shared.
    assert nurse_client.get(reverse("attachment_thumbnail", args=[photo.pk])).status_code == 404
    hidden = reverse("provider_attachment_thumbnail", args=[referral.pk, private.pk])
    assert nurse_client.get(hidden).status_code == 404
    assert client_for(caseworker).get(thumbnail).status_code == 404  # staff: not a provider
    client_for(caseworker).post(reverse("referral_share", args=[new_case.pk, referral.pk]), {})
    assert nurse_client.get(thumbnail).status_code == 404


def test_the_referrals_page_counts_only_live_shared_attachments(
    new_case, supervisor, caseworker, clinic
):
    task = to_task(new_case, "arrange_referrals", supervisor, caseworker)
    client = client_for(caseworker)
    photo, _private, _letter, _referral = shared_photo_and_pdf(client, new_case, task, clinic)
    page = client.get(reverse("case_referrals", args=[new_case.pk])).content.decode()
    assert "Shares 2 attachments" in page
    delete = reverse("attachment_delete", args=[photo.pk])
    assert client.post(delete, {"reason": "Wrong photo"}).status_code == 302
    page = client.get(reverse("case_referrals", args=[new_case.pk])).content.decode()
    assert "Shares 1 attachment" in page and "Shares 2" not in page


def delete_form(body: str, attachment) -> str:
    form = body[body.index(reverse("attachment_delete", args=[attachment.pk])) :]
    return form[: form.index("</form>")]


def test_the_delete_confirmation_says_when_a_referral_shares_the_file(
    new_case, supervisor, caseworker, clinic
):
    task = to_task(new_case, "arrange_referrals", supervisor, caseworker)
    client = client_for(caseworker)
    photo, private, _letter, _referral = shared_photo_and_pdf(client, new_case, task, clinic)
    warning = "A referral shares this file with its service provider"
    follow_up = open_task(new_case, "follow_up")
    for url in (reverse("case_detail", args=[new_case.pk]), reverse("task", args=[follow_up.pk])):
        body = client.get(url).content.decode()
        assert warning in delete_form(body, photo)
        assert warning not in delete_form(body, private)
        assert body.count(warning) == 2  # the photo and the letter
    # The task page's deletions are sent in the background (static/js/app.js); the case
    # page's post and come back.
    assert 'class="attachment-delete-form" data-in-place' in body
    case_page = client.get(reverse("case_detail", args=[new_case.pk])).content.decode()
    assert "data-in-place" not in case_page


def record_options(body: str) -> list[str]:
    select = body[body.index('name="record"') :]
    select = select[: select.index("</select>")]
    return re.findall(r'<option value="([^"]*)"', select)


def test_a_refused_upload_on_a_task_page_offers_that_pages_choices_and_the_way_back(
    new_case, supervisor, caseworker
):
    task = to_task(new_case, "assess", supervisor, caseworker)
    client = client_for(caseworker)
    page = client.get(reverse("task", args=[task.pk])).content.decode()
    assert record_options(page) == ["task", ""]
    response = client.post(
        reverse("case_attachments", args=[new_case.pk]),
        {
            "task": task.pk,
            "record": "task",
            "kind": "photo",
            "file": SimpleUploadedFile("empty.pdf", b""),
            "next": reverse("task", args=[task.pk]),
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "The file is empty" in body
    assert record_options(body) == ["task", ""]  # not the intake and the case's other records
    assert "This assessment" in body
    # Without script the refusal lands on the attachments page: it leads back to the task.
    back = f'<a href="{reverse("task", args=[task.pk])}">Back to the task</a>'
    assert back in body
    # From the case page: back to the case only.
    response = client.post(
        reverse("case_attachments", args=[new_case.pk]),
        {"kind": "photo", "file": SimpleUploadedFile("empty.pdf", b"")},
    )
    assert response.status_code == 400
    assert "Back to the task" not in response.content.decode()
    assert "intake" in record_options(response.content.decode())


def test_the_conflict_of_a_task_finished_meanwhile_links_to_the_case_page(
    new_case, supervisor, caseworker
):
    task = to_task(new_case, "assess", supervisor, caseworker)
    client = client_for(caseworker)
    submit_assessment(new_case, caseworker)
    response = upload_on(client, new_case, task)
    assert response.status_code == 409
    body = response.content.decode()
    alert = body[body.index("This task was finished meanwhile") :]
    alert = alert[: alert.index("</div>")]
    case_page = reverse("case_detail", args=[new_case.pk]) + "#attachments"
    assert f'<a href="{case_page}">' in alert


def test_follow_up_dates_in_belongs_to_follow_the_language():
    follow_up = SimpleNamespace(pk=7, date=datetime.date(2026, 12, 1))
    with translation.override("pl"):
        labels = dict(record_choices(None, {"follow_ups": [follow_up]}))
    assert "2026-12-01" not in labels["follow_up:7"]
    assert "grudnia 2026" in labels["follow_up:7"] or "01.12.2026" in labels["follow_up:7"]
    with translation.override("en"):
        labels = dict(record_choices(None, {"follow_ups": [follow_up]}))
    assert "2026-12-01" not in labels["follow_up:7"] and "2026" in labels["follow_up:7"]


def test_a_refused_upload_from_a_page_whose_task_writes_no_record_offers_the_case_only(
    new_case, supervisor, caseworker
):
    """Such a page (allocation, a review) posts no task, only the page to go back to; its
    form offered "The case as a whole" alone (the tag's AttachmentForm without records)."""
    task = to_task(new_case, "assess", supervisor, caseworker)
    response = client_for(caseworker).post(
        reverse("case_attachments", args=[new_case.pk]),
        {
            "kind": "photo",
            "file": SimpleUploadedFile("empty.pdf", b""),
            "next": reverse("task", args=[task.pk]),
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert record_options(body) == [""]
    assert f'<a href="{reverse("task", args=[task.pk])}">Back to the task</a>' in body
