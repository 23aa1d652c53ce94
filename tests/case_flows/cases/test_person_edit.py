"""Rectification: the client's details are corrected from the case page; every change keeps
its old and new value on the case's timeline; a concurrent edit is a 409."""

import pytest
from django.urls import reverse

import case_flows.cases.services as case_services
from accounts.models import Role
from case_flows.cases.selectors import case_timeline
from case_flows.models import CaseEvent, EventKind, Person

from ...factories import make_user
from ...steps import allocate


@pytest.fixture
def case(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    new_case.refresh_from_db()
    return new_case


def form_data(person, **changes):
    data = {name: getattr(person, name) for name in case_services.PERSON_FIELDS if name != "sex"}
    data = {k: ("" if v is None else v) for k, v in data.items() if v is not False}
    data.update(sex=person.sex, version=person.version)
    data.update(changes)
    return data


def test_an_edit_records_old_and_new_values(client, case, caseworker):
    person = case.person
    client.force_login(caseworker)
    url = reverse("person_edit", args=[case.pk])
    assert f'href="{url}"' in client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert 'value="Mensah"' in client.get(url).content.decode()
    response = client.post(
        url, form_data(person, family_name="Mensa", phone="+233 20 999 0000"), follow=True
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert person.family_name == "Mensa" and person.search_name == "kwame mensa"
    assert person.phone_digits == "233209990000" and person.version == 2
    event = CaseEvent.objects.get(case=case, kind=EventKind.PERSON_CHANGED)
    assert event.actor == caseworker
    assert event.data["changes"] == {
        "family_name": ["Mensah", "Mensa"],
        "phone": ["+233 24 123 4567", "+233 20 999 0000"],
    }
    (row,) = [e for e in case_timeline(case) if e.kind == EventKind.PERSON_CHANGED]
    assert row.detail == "Family name: Mensah → Mensa; Phone: +233 24 123 4567 → +233 20 999 0000"
    assert "Family name: Mensah → Mensa" in response.content.decode()


def test_no_change_writes_nothing(client, case, caseworker):
    client.force_login(caseworker)
    url = reverse("person_edit", args=[case.pk])
    response = client.post(url, form_data(case.person), follow=True)
    assert "Nothing changed" in response.content.decode()
    assert not CaseEvent.objects.filter(kind=EventKind.PERSON_CHANGED).exists()
    assert Person.objects.get(pk=case.person_id).version == 1


def test_an_edit_on_an_old_version_is_a_409(client, case, caseworker, supervisor):
    person = case.person
    stale = form_data(person, given_name="Kwami")
    case_services.person_update(
        actor=supervisor, person=person, case=case, version=1, phone="+233 55 000 1111"
    )
    client.force_login(caseworker)
    response = client.post(reverse("person_edit", args=[case.pk]), stale)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else saved" in body and "+233 55 000 1111" in body
    assert 'name="version" value="2"' in body  # saving again is a deliberate choice
    person.refresh_from_db()
    assert person.given_name == "Kwame"
    assert CaseEvent.objects.filter(kind=EventKind.PERSON_CHANGED).count() == 1


def test_bad_input_is_a_400_and_changes_nothing(client, case, caseworker):
    client.force_login(caseworker)
    url = reverse("person_edit", args=[case.pk])
    response = client.post(url, form_data(case.person, given_name="  "))
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = client.post(url, form_data(case.person, date_of_birth="2999-01-01"))
    assert response.status_code == 400
    assert not CaseEvent.objects.filter(kind=EventKind.PERSON_CHANGED).exists()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.MANAGER])
def test_outside_the_scope_is_a_404(client, case, other_office, role):
    stranger = make_user(role, other_office, username="pl-user")
    client.force_login(stranger)
    url = reverse("person_edit", args=[case.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(case.person, family_name="X")).status_code == 404
    assert Person.objects.get(pk=case.person_id).family_name == "Mensah"


@pytest.mark.parametrize("phone", ["abc!!", "12345", "+233 24 123 4567 ext 9", "1" * 16])
def test_a_phone_that_is_not_a_phone_number_is_refused_and_changes_nothing(
    client, case, caseworker, phone
):
    client.force_login(caseworker)
    url = reverse("person_edit", args=[case.pk])
    response = client.post(url, form_data(case.person, phone=phone))
    assert response.status_code == 400
    assert "Enter a phone number of 6 to 15 digits" in response.content.decode()
    person = Person.objects.get(pk=case.person_id)
    assert (person.phone, person.version) == ("+233 24 123 4567", 1)
    assert not CaseEvent.objects.filter(kind=EventKind.PERSON_CHANGED).exists()
    # the service refuses it too (the API and the caseload import call it)
    with pytest.raises(case_services.CaseError, match="6 to 15 digits"):
        case_services.person_update(actor=caseworker, person=person, case=case, phone=phone)


@pytest.mark.parametrize(
    "phone", ["+233 24 123 4567", "024-123-4567", "0048 (46) 862 00 00", "+48 601 234 567", ""]
)
def test_phones_as_people_write_them_are_accepted(case, caseworker, phone):
    case_services.person_update(actor=caseworker, person=case.person, case=case, phone=phone)
    assert Person.objects.get(pk=case.person_id).phone == phone
