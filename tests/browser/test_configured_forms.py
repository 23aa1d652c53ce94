"""A caseworker fills an assessment whose form the office configured: an office administrator
published (through the services; the builder has its own browser test) a version with a
choice from a lookup, a field shown only for one of its values, and a repeating group. The
conditional field appears when its value is chosen (static/js/configured-forms.js), a group
row is filled, the assessment submitted, and the case page shows the answers: at desktop
width in English (Bekwai) and on a phone in Polish (the Polish office). axe-core checks every
page."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from .conftest import wider_than_screen

pytestmark = pytest.mark.browser

HOUSING = {"en": "Housing", "pl": "Warunki mieszkaniowe"}
SHELTER = {"en": "Name of the shelter", "pl": "Nazwa schroniska"}
HOMELESS = {"en": "Homeless", "pl": "Bezdomność"}
CHILDREN = {"en": "Children", "pl": "Dzieci"}
NAME = {"en": "Child's name", "pl": "Imię dziecka"}
AGE = {"en": "Age", "pl": "Wiek"}


def words(text: str, language: str) -> str:
    """The project's words as a reader in `language` sees them (English until merged)."""
    with translation.override(language):
        return translation.gettext(text)


def _publish_assessment_form(office):
    """The office's assessment form: the built-in fields, then housing (a choice), the
    shelter's name (only for the homeless, then required) and the children (a group)."""
    from accounts.models import Role
    from case_flows.formdefs.content import CORE_FIELDS
    from case_flows.formdefs.services import (
        case_type_form_set,
        form_definition_create,
        form_publish,
        lookup_save,
    )
    from tests.factories import make_user

    admin = make_user(Role.ADMINISTRATOR, office)
    lookup_save(
        actor=admin,
        office=office,
        key="housing",
        labels=HOUSING,
        values=[
            {"code": "rented", "labels": {"en": "Rented", "pl": "Wynajem"}},
            {"code": "homeless", "labels": HOMELESS},
        ],
    )
    condition = {"field": "housing", "equals": "homeless"}
    fields = [
        {"key": "housing", "type": "choice", "lookup": "housing", "label": HOUSING},
        {"key": "shelter", "type": "text", "label": SHELTER, "show_if": condition},
        {
            "key": "children",
            "type": "group",
            "label": CHILDREN,
            "fields": [
                {"key": "name", "type": "text", "label": NAME, "required": True},
                {"key": "age", "type": "number", "label": AGE, "integer": True, "min": 0},
            ],
        },
    ]
    fields[1]["required_if"] = condition
    core = [{"key": k, "type": "core"} for k in CORE_FIELDS["assessment"]]
    definition = form_definition_create(
        actor=admin,
        office=office,
        key="home_assessment",
        labels={"en": "Home assessment", "pl": "Ocena domu"},
        stage="assessment",
        content={
            "sections": [
                {"key": "main", "label": {"en": "Assessment", "pl": "Ocena"}, "fields": core},
                {"key": "home", "label": {"en": "Home", "pl": "Dom"}, "fields": fields},
            ]
        },
    )
    case_type_form_set(
        actor=admin, office=office, category=None, stage="assessment", definition=definition
    )
    return form_publish(actor=admin, version=definition.versions.get())


def _assessment_task(caseworker_name: str, supervisor_name: str, given: str):
    import case_flows.cases.services as case_services
    from accounts.models import User
    from case_flows.models import Category
    from tests.steps import allocate, complete_intake, open_task

    caseworker = User.objects.get(username=caseworker_name)
    supervisor = User.objects.get(username=supervisor_name)
    office = caseworker.home_office
    person = case_services.person_create(
        actor=caseworker, office=office, given_name=given, family_name="Forms"
    )
    case = case_services.case_open(
        actor=caseworker,
        person=person,
        office=office,
        category=Category.objects.filter(is_active=True).first(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Lost the flat",
    )
    allocate(case, supervisor, caseworker)
    complete_intake(case, caseworker)
    return open_task(case, "assess")


@pytest.fixture(scope="module")
def tasks(site, django_db_blocker):
    """Per journey: (username, width, language, the assessment task)."""
    from accounts.models import Office

    with django_db_blocker.unblock():
        for code in ("BEK", "SOC"):
            _publish_assessment_form(Office.objects.get(code=code))
        return [
            ("caseworker", 1280, "en", _assessment_task("caseworker", "supervisor", "Kojo")),
            ("pracownik", 375, "pl", _assessment_task("pracownik", "koordynator", "Jan")),
        ]


def test_caseworker_fills_a_configured_assessment_with_a_condition_and_a_group(person, axe, tasks):
    from case_flows.models import Assessment

    for username, width, language, task in tasks:
        page = person(username, width=width, language=language)
        page.goto(f"/tasks/{task.pk}/")
        shelter = page.get_by_label(SHELTER[language])
        expect(shelter).to_be_hidden()  # shown only for the homeless
        page.get_by_label(HOUSING[language]).select_option(label=HOMELESS[language])
        expect(shelter).to_be_visible()
        shelter.fill("St Mary's")
        row_name = words("%(label)s, row %(number)s", language)
        row = page.get_by_role("group", name=row_name % {"label": CHILDREN[language], "number": 1})
        row.get_by_label(NAME[language]).fill("Ama")
        row.get_by_label(AGE[language]).fill("7")
        axe.check(page)
        if width < 500:
            assert wider_than_screen(page) == []
        page.get_by_label(words("Strengths", language)).fill("A caring aunt nearby")
        page.get_by_role("button", name=words("Submit the assessment", language)).click()
        expect(page.get_by_text(words("The assessment was submitted.", language))).to_be_visible()

        case = task.process.coerced.case
        assessment = Assessment.objects.get(case=case)
        assert assessment.answers == {
            "housing": "homeless",
            "shelter": "St Mary's",
            "children": [{"name": "Ama", "age": 7}],
        }
        # The case page shows the answers with the form's labels.
        page.goto(f"/cases/{case.pk}/")
        answers = page.locator(".configured-answers").first
        expect(answers).to_contain_text(HOMELESS[language])
        expect(answers).to_contain_text("St Mary's")
        expect(answers).to_contain_text(f"{NAME[language]}: Ama")
