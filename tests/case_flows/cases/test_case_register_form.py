"""The new-case form: no preselected risk, required fields marked, every error at once (the
rules' included) at its field and in a focused summary at the top; dates of birth stop at
today in the office's time zone. The relative form on the case page keeps the same rule."""

import datetime
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from case_flows.cases.forms import CaseRegisterForm
from case_flows.models import Case, Person, PersonRelation
from tests.case_flows.work.test_views_tasks import client_for, register_data
from tests.factories import make_office
from tests.html_tree import parse
from tests.steps import allocate

REQUIRED = ["given_name", "family_name", "category", "risk", "source", "presenting_concerns"]


def label_for(page, field_id):
    return page.find("label", for_=field_id)


def test_risk_has_no_default_and_required_fields_are_marked(office, team, caseworker):
    page = parse(client_for(caseworker).get(reverse("case_new") + "?new=1").content.decode())
    risk = page.find("select", name="risk")
    options = risk.find_all("option")
    assert options[0].get("value") == "" and options[0].text == "Choose…"
    selected = [option.get("value") for option in options if "selected" in option.attrs]
    assert selected in ([], [""])  # no risk level is chosen for the user
    category_options = page.find("select", name="category").find_all("option")
    assert category_options[0].get("value") == "" and category_options[0].text == "Choose…"
    for name in REQUIRED:
        control = page.find(None, name=name)
        assert "required" in control.attrs, name
        assert "required" in label_for(page, control.get("id")).classes, name
    for name in ["phone", "date_of_birth", "team", "national_id"]:
        control = page.find(None, name=name)
        assert "required" not in control.attrs, name
        assert "required" not in label_for(page, control.get("id")).classes, name
    assert "Fields marked" in page.find("p", id="required-note").text
    # The server reports every error at once; the browser's own check would stop at one.
    assert "novalidate" in page.find("form", class_="card").attrs


def test_missing_risk_is_an_error_not_a_default(office, team, caseworker):
    response = client_for(caseworker).post(reverse("case_new"), register_data(risk=""))
    assert response.status_code == 200
    assert not Case.objects.exists()
    assert "risk" in response.context["form"].errors


def test_failed_submit_lists_every_error_in_a_summary_linked_to_its_field(office, team, caseworker):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    data = register_data(given_name="", risk="", date_of_birth=tomorrow.isoformat())
    response = client_for(caseworker).post(reverse("case_new"), data)
    assert response.status_code == 200
    assert not Case.objects.exists() and not Person.objects.exists()  # nothing saved
    page = parse(response.content.decode())
    summary = page.find("div", id="error-summary")
    assert summary.get("role") == "alert" and summary.get("tabindex") == "-1"
    # It comes first in the main content, and the page's script (a static file: the
    # Content-Security-Policy allows no inline script) moves the focus to it.
    main = page.find("main")
    assert main.find("h1").parent is main and summary.parent is main
    assert any(s.get("src", "").endswith("/js/app.js") for s in page.find_all("script"))
    assert 'getElementById("error-summary")' in Path(finders.find("js/app.js")).read_text()
    links = {a.get("href"): a.text for a in summary.find_all("a")}
    assert set(links) == {"#id_given_name", "#id_risk", "#id_date_of_birth"}
    assert links["#id_date_of_birth"] == (
        "Date of birth: The date of birth cannot be in the future."
    )
    assert links["#id_given_name"].startswith("Given name: ")
    # The rule's error sits at its field, like the missing ones.
    born = page.find("input", name="date_of_birth")
    assert born.get("aria-invalid") == "true"
    assert "cannot be in the future" in page.find("ul", id="id_date_of_birth_error").text
    assert page.find("ul", id="id_given_name_error") is not None
    assert page.find("ul", id="id_risk_error") is not None
    assert page.find("title").text.startswith("Error:")


def test_form_reports_the_date_rule_with_the_other_errors(office):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    form = CaseRegisterForm(
        register_data(family_name="", date_of_birth=tomorrow.isoformat()), office=office
    )
    assert not form.is_valid()
    assert set(form.errors) == {"family_name", "date_of_birth"}


def test_no_summary_before_a_submit(office, team, caseworker):
    body = client_for(caseworker).get(reverse("case_new") + "?new=1").content.decode()
    assert 'id="error-summary"' not in body


@pytest.mark.parametrize(
    "now, today",
    [
        # 23:30 UTC on 1 March is already 2 March in Warsaw (UTC+1 in winter).
        (datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC), "2026-03-02"),
        (datetime.datetime(2026, 3, 2, 0, 30, tzinfo=datetime.UTC), "2026-03-02"),
    ],
)
def test_date_of_birth_stops_at_today_in_the_office_time_zone(db, time_machine, now, today):
    time_machine.move_to(now, tick=False)
    warsaw = make_office("WAW", jurisdiction="PL", timezone="Europe/Warsaw")
    form = CaseRegisterForm(office=warsaw)
    assert form["date_of_birth"].as_widget().count(f'max="{today}"') == 1
    # Today itself is allowed; tomorrow (office time) is not.
    assert CaseRegisterForm(register_data(date_of_birth=today), office=warsaw).is_valid()
    tomorrow = (datetime.date.fromisoformat(today) + datetime.timedelta(days=1)).isoformat()
    form = CaseRegisterForm(register_data(date_of_birth=tomorrow), office=warsaw)
    assert not form.is_valid() and list(form.errors) == ["date_of_birth"]


def test_relative_form_limits_the_date_of_birth(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    client = client_for(caseworker)
    page = parse(client.get(reverse("case_detail", args=[new_case.pk])).content.decode())
    form = page.find("form", action=reverse("case_relative_add", args=[new_case.pk]))
    born = form.find("input", name="date_of_birth")
    assert born.get("type") == "date"
    assert born.get("max") == datetime.date.today().isoformat()  # Accra: UTC
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    response = client.post(
        reverse("case_relative_add", args=[new_case.pk]),
        {
            "given_name": "Esi",
            "family_name": "",
            "relationship": "parent",
            "sex": "female",
            "date_of_birth": tomorrow.isoformat(),
        },
    )
    assert response.status_code == 400
    assert set(response.context["relative_form"].errors) == {"family_name", "date_of_birth"}
    assert not PersonRelation.objects.exists()
