"""Issue #19's "done when", in one test and one process (no migration, no restart): an
administrator adds a lookup and two fields to the office's assessment form and publishes; a
caseworker sees and fills them on the task page, the case page shows the answer in the
user's language, the case list finds the case by it, the export has its column, and records
written before the publish show as they did."""

import csv
import io

from django.urls import reverse

import case_flows.cases.services as case_services
import case_flows.work.services as work_services
from accounts.models import Role
from case_flows.formdefs.content import CORE_FIELDS
from case_flows.formdefs.search import answers_match_q
from case_flows.formdefs.services import (
    case_type_form_set,
    form_definition_create,
    form_draft_open,
    form_draft_save,
    form_publish,
    lookup_save,
)
from case_flows.models import Assessment, Case
from tests.case_flows.work.test_views_tasks import client_for, task_url
from tests.factories import category, make_person, make_user
from tests.steps import allocate, complete_intake, open_task, submit_assessment


def label(en, pl):
    return {"en": en, "pl": pl}


def assessment_content(*extra):
    core = [{"key": key, "type": "core"} for key in CORE_FIELDS["assessment"]]
    school = {"key": "school", "type": "text", "label": label("School", "Szkoła")}
    return {
        "sections": [
            {"key": "needs", "label": label("Needs", "Potrzeby"), "fields": core},
            {"key": "more", "label": label("More", "Więcej"), "fields": [school, *extra]},
        ]
    }


INCOME = {
    "key": "income_source",
    "type": "choice",
    "lookup": "income_sources",
    "label": label("Main income source", "Główne źródło dochodu"),
    "help": label("Where most of the money comes from.", "Skąd pochodzi większość pieniędzy."),
    "required": True,
    "searchable": True,
}
REMARKS = {"key": "remarks", "type": "textarea", "label": label("Remarks", "Uwagi")}

ASSESS_POST = {
    **{f"need_{code}": "none" for code in ("health", "shelter", "income", "legal", "safety")},
    "need_education": "high",
    "need_psychosocial": "low",
    "strengths": "Supportive grandmother",
    "risk_decided": "high",
}


def open_case(office, caseworker, supervisor, family):
    case = case_services.case_open(
        actor=caseworker,
        person=make_person(office, "Ama", family),
        office=office,
        category=category(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Concern",
    )
    allocate(case, supervisor, caseworker)
    complete_intake(case, caseworker)
    return case


def test_an_administrator_adds_a_field_and_a_caseworker_uses_it(
    office, team, caseworker, supervisor, django_assert_num_queries
):
    admin = make_user(Role.ADMINISTRATOR, office, username="office-admin")
    # Before any configured form: a record without a version.
    no_version = open_case(office, caseworker, supervisor, "Before")
    submit_assessment(no_version, caseworker)
    # The office's form, version 1 (a text field), and a record written with it.
    definition = form_definition_create(
        actor=admin,
        office=office,
        key="office-assessment",
        labels=label("Assessment", "Ocena"),
        stage="assessment",
        content=assessment_content(),
    )
    v1 = form_publish(actor=admin, version=definition.versions.get())
    case_type_form_set(
        actor=admin, office=office, category=None, stage="assessment", definition=definition
    )
    with_v1 = open_case(office, caseworker, supervisor, "Earlier")
    work_services.assessment_submit(
        task=open_task(with_v1, "assess"),
        actor=caseworker,
        needs={"safety": "low"},
        strengths="Kind neighbours",
        risk_decided="low",
        answers={"school": "St Mary"},
        form_version=v1,
    )

    # The administrator adds a lookup, a searchable choice and a text field; publishes.
    lookup_save(
        actor=admin,
        office=office,
        key="income_sources",
        labels=label("Income sources", "Źródła dochodu"),
        values=[
            {"code": "wage", "labels": label("Wage", "Wynagrodzenie")},
            {"code": "benefit", "labels": label("Social benefit", "Zasiłek")},
        ],
    )
    draft = form_draft_open(actor=admin, definition=definition)
    form_draft_save(actor=admin, version=draft, content=assessment_content(INCOME, REMARKS))
    v2 = form_publish(actor=admin, version=draft)

    # The caseworker opens the assessment task: the new fields are there, in order.
    case = open_case(office, caseworker, supervisor, "Nowak")
    client = client_for(caseworker)
    url = task_url(case, "assess")
    client.get(url)  # warm the session
    with django_assert_num_queries(TASK_PAGE_WITH_FORM_QUERIES):
        page = client.get(url).content.decode()
    assert "Main income source" in page and "Where most of the money comes from." in page
    assert page.index("Needs by domain") < page.index("Strengths") < page.index("Remarks")
    assert 'aria-describedby="id_cf_income_source_helptext"' in page

    # Invalid (the required choice missing): a field error, nothing saved.
    response = client.post(url, {**ASSESS_POST, "cf_remarks": "Lives with aunt"})
    assert response.status_code == 400
    assert response.context["forms"]["configured"].errors["cf_income_source"] == [
        "This field is required."
    ]
    assert not Assessment.objects.filter(case=case).exists()
    # A bad typed field and a good configured one: still nothing saved, the typed error shown.
    response = client.post(url, {**ASSESS_POST, "strengths": "", "cf_income_source": "wage"})
    assert response.status_code == 400 and "strengths" in response.context["forms"]["form"].errors
    assert not Assessment.objects.filter(case=case).exists()

    # Valid: stored with the version it was written with.
    response = client.post(
        url, {**ASSESS_POST, "cf_income_source": "benefit", "cf_remarks": "Lives with aunt"}
    )
    assert response.status_code == 302
    record = Assessment.objects.get(case=case)
    assert record.form_version == v2
    assert record.answers == {"income_source": "benefit", "remarks": "Lives with aunt"}

    # The case page shows the answer in the user's language.
    caseworker.preferred_language = "pl"
    caseworker.save(update_fields=["preferred_language"])
    body = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Główne źródło dochodu" in body and "Zasiłek" in body
    caseworker.preferred_language = "en"
    caseworker.save(update_fields=["preferred_language"])

    # The case list finds the case by the answer (its label or its code), and only it.
    for text in ("Social benefit", "zasiłek", "benefit"):
        listed = client.get(reverse("case_list") + f"?q={text}").content.decode()
        assert case.reference in listed, text
        assert with_v1.reference not in listed and no_version.reference not in listed
    # The portable path (SQLite under `make run`) finds the same, and only it.
    for text in ("Social benefit", "zasiłek", "benefit", "BENEFIT"):
        found = Case.objects.filter(answers_match_q(text, vendor="sqlite"))
        assert list(found) == [case], text
    for text in ("benefi", "wage", "Lives with aunt"):  # a part; no such answer; not searchable
        assert not Case.objects.filter(answers_match_q(text, vendor="sqlite")).exists(), text

    # The export has a column per configured field, with the answer.
    export = client_for(supervisor).get(reverse("dashboard_export") + "?figure=open&format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    header = rows[0]
    assert header[-3:] == ["School", "Main income source", "Remarks"]
    by_reference = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_reference[case.reference]["Main income source"] == "Social benefit"
    assert by_reference[with_v1.reference]["School"] == "St Mary"
    assert by_reference[with_v1.reference]["Main income source"] == ""
    assert by_reference[no_version.reference]["Remarks"] == ""

    # Records written before the publish show as they were.
    body = client.get(reverse("case_detail", args=[with_v1.pk])).content.decode()
    assert "School" in body and "St Mary" in body and "Main income source" not in body
    response = client.get(reverse("case_detail", args=[no_version.pk]))
    assert response.status_code == 200 and "Supportive grandmother" in response.content.decode()
    assert "configured-answers" not in response.content.decode()


# The assess task page with a configured form: the 16 of the page without one (session,
# user, office, groups, scope teams, the task with its case, the latest assessment that
# prefills it, the case type's need domains, deadlines, returns, permissions x2, unread
# notifications, the household line, the case's attachments, the access-log row) plus the
# form's two: which definition the stage uses, and its newest published version.
TASK_PAGE_WITH_FORM_QUERIES = 18
