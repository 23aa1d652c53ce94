"""Configured forms where people work: the services hold answers to the version's schema
whoever calls them, a repeating group on a task page, and the subject-access file."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

import case_flows.work.services as work_services
from accounts.models import Role
from case_flows.cases import services as case_services
from case_flows.formdefs.content import CORE_FIELDS
from case_flows.formdefs.services import (
    case_type_form_set,
    form_definition_create,
    form_publish,
)
from case_flows.models import Closure
from case_flows.privacy.subject_access import person_subject_access, readable
from case_flows.referrals import services as referral_services
from tests.case_flows.work.test_views_tasks import client_for, task_url
from tests.factories import make_person, make_user
from tests.steps import (
    allocate,
    approve,
    complete_intake,
    open_task,
    submit_assessment,
    submit_plan,
)

LABEL = {"en": "Household members", "pl": "Domownicy"}
MEMBERS = {
    "key": "members",
    "type": "group",
    "label": LABEL,
    "fields": [
        {"key": "name", "type": "text", "label": {"en": "Name", "pl": "Imię"}, "required": True},
        {"key": "age", "type": "number", "label": {"en": "Age", "pl": "Wiek"}, "integer": True},
    ],
}
NOTE = {"key": "note", "type": "text", "label": {"en": "Note", "pl": "Notatka"}, "required": True}


def publish_for(office, stage, *fields):
    admin = make_user(Role.ADMINISTRATOR, office)
    core = [{"key": k, "type": "core"} for k in CORE_FIELDS[stage]]
    definition = form_definition_create(
        actor=admin,
        office=office,
        key=f"{stage}-form",
        labels={"en": stage, "pl": stage},
        stage=stage,
        content={
            "sections": [
                {"key": "main", "label": {"en": "Main", "pl": "Główne"}, "fields": core},
                {"key": "x", "label": {"en": "More", "pl": "Więcej"}, "fields": list(fields)},
            ]
        },
    )
    case_type_form_set(
        actor=admin, office=office, category=None, stage=stage, definition=definition
    )
    return form_publish(actor=admin, version=definition.versions.get())


def test_the_service_rechecks_answers_whoever_calls_it(new_case, supervisor, caseworker, office):
    version = publish_for(office, "intake", NOTE)
    allocate(new_case, supervisor, caseworker)
    task = open_task(new_case, "intake")
    data = {
        "source": "walk_in",
        "presenting_concerns": "Concern",
        "immediate_safety": "safe",
        "consent_to_share": True,
    }
    with pytest.raises(work_services.AnswersInvalid) as refused:
        work_services.intake_complete(
            task=task, actor=caseworker, answers={"note": 5}, form_version=version, **data
        )
    assert "not valid for this form" in refused.value.message
    assert refused.value.status_code == 400  # a CaseError: the pages show it, never a 500
    with pytest.raises(work_services.AnswersInvalid):  # answers naming no version
        work_services.intake_complete(task=task, actor=caseworker, answers={"note": "x"}, **data)
    new_case.intake.refresh_from_db()
    assert new_case.intake.completed_at is None and new_case.intake.answers == {}
    work_services.intake_complete(
        task=task, actor=caseworker, answers={"note": "Seen"}, form_version=version, **data
    )
    new_case.intake.refresh_from_db()
    assert new_case.intake.answers == {"note": "Seen"} and new_case.intake.form_version == version


def test_a_repeating_group_on_the_closure_page_and_in_the_subject_access_file(
    new_case, supervisor, caseworker, office
):
    version = publish_for(office, "closure", MEMBERS)
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    # Walk to closure through the services; the closure page is the one with the form.
    submit_assessment(new_case, caseworker)
    approve(new_case, "approve_assessment", supervisor)
    submit_plan(new_case, caseworker, no_referral_needed=True)
    approve(new_case, "approve_plan", supervisor)
    referral_services.referrals_arrange(
        task=open_task(new_case, "arrange_referrals"),
        actor=caseworker,
        referrals=[],
        none_needed=True,
    )
    work_services.follow_up_record(
        task=open_task(new_case, "follow_up"),
        actor=caseworker,
        date=timezone.localdate(),
        mode="visit",
        notes="Fine",
        next_step="close",
    )
    client = client_for(caseworker)
    url = task_url(new_case, "prepare_closure")
    page = client.get(url).content.decode()
    assert "Household members, row 1" in page and "cf_members__0__name" in page
    assert "cf_members__1__name" not in page  # one empty row to add another
    post = {"reason": "goals_met", "summary": "Done", "cf_members__0__age": "7"}
    response = client.post(url, post)
    assert response.status_code == 400  # a row with an age and no name
    assert not Closure.objects.filter(case=new_case).exists()
    response = client.post(url, {**post, "cf_members__0__name": "Ama"})
    assert response.status_code == 302
    closure = Closure.objects.get(case=new_case)
    assert closure.answers == {"members": [{"name": "Ama", "age": 7}]}
    assert closure.form_version == version

    with translation.override("pl"):
        data = person_subject_access(new_case.person, viewer=supervisor)
        text = readable(data)
    [item] = data["cases"][0]["closures"]
    assert item["configured_answers"][0]["answers"] == [
        {"key": "members", "label": "Domownicy", "value": "Imię: Ama, Wiek: 7"}
    ]
    assert ("Domownicy", "Imię: Ama, Wiek: 7") in text["cases"][0]["records"][3][1][0]
    # The case page shows the supervisor the answers with their labels.
    body = client_for(supervisor).get(reverse("case_detail", args=[new_case.pk])).content
    assert "Household members" in body.decode() and "Name: Ama" in body.decode()


CARER = {"key": "carer", "type": "person", "label": {"en": "Main carer", "pl": "Opiekun"}}
FOLLOWS = {
    "key": "carer_note",
    "type": "text",
    "label": {"en": "About the carer", "pl": "O opiekunie"},
    "show_if": {"field": "carer", "filled": True},
}


def test_a_person_field_offers_the_case_people_and_never_another_office_person(
    new_case, supervisor, caseworker, office, other_office
):
    version = publish_for(office, "intake", CARER, FOLLOWS)
    allocate(new_case, supervisor, caseworker)
    grandmother = make_person(office, "Efua", "Mensah")
    case_services.person_link_relative(
        actor=caseworker, person=new_case.person, relative=grandmother, relationship="grandparent"
    )
    stranger = make_person(office, "Yaw", "Boateng")  # in the registry, not the case's
    elsewhere = make_person(other_office, "Adjoa", "Asante")
    client = client_for(caseworker)
    url = task_url(new_case, "intake")
    page = client.get(url).content.decode()
    # A choice of the case's people by name, the client first; nobody else's id to type.
    assert '<select name="cf_carer"' in page
    assert "Kwame Mensah (the client)" in page and "Efua Mensah" in page
    assert "Yaw Boateng" not in page and "Adjoa Asante" not in page
    assert reverse("relative_find", args=[new_case.pk]) in page
    # The conditional note carries its condition for the browser's script.
    assert (
        'data-show-if="{&quot;name&quot;: &quot;cf_carer&quot;, &quot;filled&quot;: true}"' in page
    )
    assert "js/configured-forms.js" in page
    post = {
        "source": "walk_in",
        "presenting_concerns": "Concern",
        "immediate_safety": "safe",
        "consent_to_share": "yes",
    }
    for foreign in (elsewhere, stranger):  # another office's person, a person not offered
        response = client.post(url, {**post, "cf_carer": str(foreign.pk)})
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
    new_case.intake.refresh_from_db()
    assert new_case.intake.completed_at is None
    # Whoever calls the service: never another office's person.
    with pytest.raises(work_services.AnswersInvalid):
        work_services.intake_complete(
            task=open_task(new_case, "intake"),
            actor=caseworker,
            answers={"carer": elsewhere.pk},
            form_version=version,
            source="walk_in",
            presenting_concerns="Concern",
            immediate_safety="safe",
            consent_to_share=True,
        )
    response = client.post(url, {**post, "cf_carer": str(grandmother.pk), "cf_carer_note": "Kind"})
    assert response.status_code == 302
    new_case.intake.refresh_from_db()
    assert new_case.intake.answers == {"carer": grandmother.pk, "carer_note": "Kind"}
    # The case page names the person, not the id.
    body = client.get(reverse("case_detail", args=[new_case.pk])).content.decode()
    assert "Main carer" in body and "Efua Mensah" in body
