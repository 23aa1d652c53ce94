"""People through the API: the registry's search before registering (the same candidates and
reasons as the page), a person within reach, registering with the duplicate check, and
correcting a client's details with If-Match."""

import pytest

import case_flows.cases.services as case_services
from case_flows.models import AccessAction, AccessEvent, Case, CaseEvent, EventKind, Person
from case_flows.registry.selectors import REASON_NAME_SAME, REASON_PHONE
from tests.api.conftest import client_for
from tests.factories import category

pytestmark = pytest.mark.django_db


def new_client(**overrides) -> dict:
    return {
        "given_name": "Kwabena",
        "family_name": "Owusu",
        "sex": "male",
        "date_of_birth": "2015-04-02",
        "phone": "+233 20 555 0101",
        "category": category().pk,
        "risk": "medium",
        "source": "walk_in",
        "presenting_concerns": "Child out of school",
        **overrides,
    }


def test_the_search_gives_the_registrys_candidates_with_reasons(world):
    client = client_for(world.cw)
    response = client.get("/api/v1/people/", {"given_name": "Kwame", "family_name": "Mensah"})
    assert response.status_code == 200
    [candidate] = response.json()["results"]
    assert candidate["access"] == "full"
    assert str(REASON_NAME_SAME) in candidate["reasons"]
    assert candidate["person"]["id"] == world.cases["mine"].person_id
    assert [c["reference"] for c in candidate["cases"]] == [world.cases["mine"].reference]
    assert AccessEvent.objects.filter(
        user=world.cw,
        action=AccessAction.SEARCH,
        target="person registry",
        query="kwame mensah",
    ).exists()


def test_someone_known_only_elsewhere_is_found_by_phone_without_details(world):
    foreign = world.cases["foreign"].person
    foreign.phone, foreign.phone_digits = "+48 601 234 567", "48601234567"
    foreign.save(update_fields=["phone", "phone_digits"])
    response = client_for(world.cw).get("/api/v1/people/", {"phone": "601 234 567"})
    [candidate] = response.json()["results"]
    assert candidate["access"] == "elsewhere"
    assert candidate["person"] is None and candidate["cases"] == []
    assert candidate["reasons"] == [str(REASON_PHONE)]


def test_a_search_with_nothing_to_search_by_is_400(world):
    response = client_for(world.cw).get("/api/v1/people/", {"date_of_birth": "2015-01-01"})
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"]
    response = client_for(world.cw).get("/api/v1/people/", {"family_name": "x" * 121})
    assert "family_name" in response.json()["errors"]


def test_only_those_who_open_cases_search_and_register(world):
    response = client_for(world.mgr).get("/api/v1/people/", {"family_name": "Mensah"})
    assert response.status_code == 403 and response.json()["code"] == "not_permitted"
    response = client_for(world.cw, "people:read").post("/api/v1/people/", new_client(), "json")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


def test_a_person_in_reach_with_their_cases_and_version(world):
    person = world.cases["mine"].person
    response = client_for(world.cw).get(f"/api/v1/people/{person.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["family_name"] == "Mensah" and body["office"]["code"] == "BEK"
    assert [c["id"] for c in body["cases"]] == [world.cases["mine"].pk]
    assert response["ETag"]
    assert AccessEvent.objects.filter(
        user=world.cw, action=AccessAction.VIEW_PERSON, person=person
    ).exists()


@pytest.mark.parametrize("name", ["foreign", "restricted"])
def test_a_person_out_of_reach_is_404(world, name):
    """Another office's client; a client known only through a restricted case."""
    person_id = world.cases[name].person_id
    for user in (world.cw, world.mgr):
        response = client_for(user).get(f"/api/v1/people/{person_id}/")
        assert response.status_code == 404
    assert not AccessEvent.objects.filter(person_id=person_id).exists()


def test_registering_opens_a_case_as_the_page_does(world):
    client = client_for(world.cw)
    response = client.post("/api/v1/people/", new_client(), "json")
    assert response.status_code == 201, response.json()
    body = response.json()
    case = Case.objects.get(pk=body["case"]["id"])
    assert response["Location"] == f"/api/v1/cases/{case.pk}/"
    assert case.person.family_name == "Owusu" and case.office == world.office
    assert case.created_by == world.cw and case.stage == "intake"
    assert body["person"]["cases"][0]["reference"] == case.reference
    # The search found nobody: nothing to keep on the timeline (as on the page).
    opened = CaseEvent.objects.get(case=case, kind=EventKind.OPENED)
    assert opened.data == {}


def test_possible_duplicates_are_409_until_registered_anyway(world):
    known = world.cases["mine"].person
    client = client_for(world.cw)
    same_phone = new_client(phone="0241234567")  # Kwame Mensah's number, written otherwise
    people = Person.objects.count()
    response = client.post("/api/v1/people/", same_phone, "json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "possible_duplicates"
    [candidate] = body["candidates"]
    assert candidate["person"]["id"] == known.pk and candidate["strong"] is True
    assert Person.objects.count() == people
    # The candidates were shown, though the answer was a 409: recorded as the page's search.
    assert AccessEvent.objects.filter(
        user=world.cw, action=AccessAction.SEARCH, target="person registry"
    ).exists()
    response = client.post("/api/v1/people/", {**same_phone, "register_anyway": True}, "json")
    assert response.status_code == 201
    case = Case.objects.get(pk=response.json()["case"]["id"])
    opened = CaseEvent.objects.get(case=case, kind=EventKind.OPENED)
    assert opened.data == {"candidates_shown": [known.pk]}


def test_a_weak_name_match_does_not_stop_registering(world):
    response = client_for(world.cw).post(
        "/api/v1/people/",
        new_client(given_name="Kwame", family_name="Mensa", phone="", date_of_birth=""),
        "json",
    )
    assert response.status_code == 201, response.json()


def test_registering_with_bad_input_is_400_with_field_errors_and_creates_nothing(world):
    people = Person.objects.count()
    response = client_for(world.cw).post(
        "/api/v1/people/",
        new_client(family_name="", risk="", date_of_birth="2999-01-01"),
        "json",
    )
    assert response.status_code == 400
    assert {"family_name", "risk", "date_of_birth"} <= set(response.json()["errors"])
    assert Person.objects.count() == people
    response = client_for(world.cw).post("/api/v1/people/", ["not", "an", "object"], "json")
    assert response.status_code == 400


def test_correcting_the_client_with_if_match(world):
    case = world.cases["mine"]
    client = client_for(world.cw)
    url = f"/api/v1/cases/{case.pk}/client/"
    etag = client.get(url).headers["ETag"]
    # Someone else corrects the client meanwhile, on the case page.
    case_services.person_update(
        actor=world.sup, person=case.person, case=case, address="Bekwai, Zongo"
    )
    stale = client.patch(url, {"phone": "+233 24 000 0000"}, "json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    assert Person.objects.get(pk=case.person_id).phone == "+233 24 123 4567"
    fresh = client.get(url).headers["ETag"]
    done = client.patch(url, {"phone": "+233 24 000 0000"}, "json", HTTP_IF_MATCH=fresh)
    assert done.status_code == 200, done.json()
    person = Person.objects.get(pk=case.person_id)
    assert person.phone == "+233 24 000 0000" and person.address == "Bekwai, Zongo"
    assert done.headers["ETag"] != fresh
    # Without If-Match the change is saved; a date of birth in the future is refused.
    assert client.patch(url, {"address": "Kumasi"}, "json").status_code == 200
    refused = client.patch(url, {"date_of_birth": "2999-01-01"}, "json")
    assert refused.status_code == 400 and "date_of_birth" in refused.json()["errors"]
    changes = CaseEvent.objects.filter(case=case, kind=EventKind.PERSON_CHANGED).count()
    assert changes == 3


def test_the_client_of_a_case_out_of_reach_is_404(world):
    url = f"/api/v1/cases/{world.cases['restricted'].pk}/client/"
    assert client_for(world.cw).patch(url, {"address": "x"}, "json").status_code == 404
    assert client_for(world.mgr).get(url).status_code == 404
