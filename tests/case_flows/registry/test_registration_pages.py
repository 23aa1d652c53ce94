"""Registering a case in two steps (find the person, then open their case or register a new
one) and adding a relative through the same search; PESEL checked and used on the form."""

import datetime

import pytest
from django.urls import reverse

from case_flows.models import Case, CaseEvent, EventKind, IdentifierKind, Person, PersonRelation
from tests.case_flows.registry.test_identifiers import make_pesel
from tests.case_flows.work.test_views_tasks import client_for, register_data
from tests.factories import make_person, make_team, make_user
from tests.html_tree import parse
from tests.steps import allocate

NEW = reverse("case_new")


def find(client, url=NEW, **data):
    """Search as the page does: a POST, answered with a redirect to the results page whose
    address names the kept search only; then that page."""
    response = client.post(url, {"find": "1", **data})
    assert response.status_code == 302, response.status_code
    location = response["Location"]
    assert location.startswith(f"{url}?search=")
    for value in data.values():  # nothing typed is in the address (a kind's id may be)
        assert isinstance(value, int) or value.lower() not in location.lower()
    return client.get(location)


@pytest.fixture
def client(caseworker):
    return client_for(caseworker)


@pytest.fixture
def ama(office, caseworker, client):
    """Ama Owusu, with an earlier case at Bekwai the caseworker may see."""
    person = make_person(office, "Ama", "Owusu", phone="0244000111")
    client.post(NEW, {**register_data(), "person": person.pk})
    return person


def test_step_one_lists_candidates_with_reasons_and_visible_cases(client, ama):
    response = find(client, given_name="owusu", family_name="AMA")
    assert response.status_code == 200
    candidates = response.context["candidates"]
    assert [c.person for c in candidates] == [ama]
    body = response.content.decode()
    assert "Why: same name" in body
    assert Case.objects.get(person=ama).reference in body
    links = {a.text: a.get("href") for a in parse(body).find_all("a")}
    assert links["Open a case for Ama Owusu"] == f"{NEW}?person={ama.pk}"
    register_anyway = links["None of these: register a new person"]
    assert register_anyway.startswith(f"{NEW}?new=1&search=") and "owusu" not in register_anyway


def test_step_one_needs_something_to_search_by(client, office):
    response = client.post(NEW, {"find": "1"})
    assert response.status_code == 200 and response.context["candidates"] is None
    assert "Type a name, a national ID or a phone number." in response.content.decode()


def test_choosing_a_person_opens_a_case_for_them_without_a_new_record(client, ama):
    page = client.get(NEW, {"person": ama.pk})
    assert 'name="given_name"' not in page.content.decode()
    assert "already registered" in page.content.decode()
    before = Person.objects.count()
    data = {k: v for k, v in register_data().items() if k not in ("given_name", "family_name")}
    response = client.post(NEW, {**data, "person": ama.pk})
    assert response.status_code == 302
    assert Person.objects.count() == before
    assert Case.objects.filter(person=ama).count() == 2


def test_a_person_out_of_reach_cannot_be_chosen(client, other_office):
    stranger = make_person(other_office, "Yaw", "Boateng")
    assert client.get(NEW, {"person": stranger.pk}).status_code == 404
    response = client.post(NEW, {**register_data(), "person": stranger.pk})
    assert response.status_code == 404 and not Case.objects.filter(person=stranger).exists()


def test_out_of_scope_match_shows_no_details(client, other_office):
    ghana = IdentifierKind.objects.get(code="ghana-card")
    stranger = make_person(
        other_office, "Yaw", "Boateng", national_id="GHA-987654321-0", national_id_kind=ghana
    )
    sup = make_user("supervisor", other_office)
    make_team(other_office, supervisor=sup)
    response = find(client, national_id_kind=ghana.pk, national_id="GHA-987654321-0")
    body = response.content.decode()
    assert response.context["candidates"][0].person == stranger
    assert "known to another office" in body
    assert "Boateng" not in body and f"person={stranger.pk}" not in body


def test_registering_anyway_carries_the_data_and_records_the_candidates(client, ama):
    response = find(client, given_name="Ama", family_name="Owusu")
    carry = response.context["carry"]
    assert "Ama" not in carry and "Owusu" not in carry
    form_page = client.get(f"{NEW}?{carry}")
    form = form_page.context["form"]
    assert form.initial["given_name"] == "Ama"
    assert form.initial["candidates_shown"] == str(ama.pk)
    data = register_data(given_name="Ama", family_name="Owusu", candidates_shown=str(ama.pk))
    assert client.post(NEW, data).status_code == 302
    case = Case.objects.exclude(person=ama).get()
    opened = CaseEvent.objects.get(case=case, kind=EventKind.OPENED)
    assert opened.data == {"candidates_shown": [ama.pk]}
    assert case.person != ama


@pytest.fixture
def pl_caseworker(other_office):
    sup = make_user("supervisor", other_office, username="sup-pl")
    team = make_team(other_office, supervisor=sup)
    return make_user("caseworker", other_office, team, username="cw-pl")


def test_a_wrong_pesel_is_a_form_error_and_nothing_is_saved(pl_caseworker):
    client = client_for(pl_caseworker)
    pesel_kind = IdentifierKind.objects.get(code="pesel")
    form = client.get(NEW, {"new": "1"}).context["form"]
    assert form.fields["national_id_kind"].initial == pesel_kind.pk  # the office's country
    data = register_data(national_id_kind=pesel_kind.pk, national_id="44051401358")
    response = client.post(NEW, data)
    assert response.status_code == 200 and not Person.objects.exists()
    assert "check digit is wrong" in response.context["form"].errors["national_id"][0]


def test_a_pesel_that_disagrees_with_the_date_of_birth_says_what_it_says(pl_caseworker):
    client = client_for(pl_caseworker)
    pesel = make_pesel(datetime.date(2012, 7, 9), serial="0001")  # a boy
    data = register_data(
        national_id_kind=IdentifierKind.objects.get(code="pesel").pk,
        national_id=pesel,
        date_of_birth="2012-07-10",
        sex="female",
    )
    errors = client.post(NEW, data).context["form"].errors
    assert errors["date_of_birth"] == ["The PESEL number says the date of birth is 2012-07-09."]
    assert errors["sex"] == ["The PESEL number says the sex is male."]


def test_a_valid_pesel_fills_in_the_date_of_birth_and_sex(pl_caseworker):
    client = client_for(pl_caseworker)
    pesel = make_pesel(datetime.date(2003, 12, 24), serial="0002")
    data = register_data(
        national_id_kind=IdentifierKind.objects.get(code="pesel").pk,
        national_id=pesel,
        date_of_birth="",
        sex="unknown",
    )
    response = client.post(NEW, data, follow=True)
    person = Person.objects.get()
    assert (person.date_of_birth, person.sex) == (datetime.date(2003, 12, 24), "female")
    assert person.national_id == pesel and person.national_id_kind.code == "pesel"
    assert "filled in from the PESEL" in response.content.decode()


@pytest.fixture
def ama_case(ama, supervisor, caseworker):
    case = Case.objects.get(person=ama)
    allocate(case, supervisor, caseworker)
    return case


def test_adding_a_relative_searches_first_and_links_the_one_chosen(client, ama, ama_case, office):
    case = ama_case
    kofi = make_person(office, "Kofi", "Owusu", phone="0244000222")
    url = reverse("relative_find", args=[case.pk])
    response = find(client, url, given_name="Kofi", family_name="Owusu")
    people = [c.person for c in response.context["candidates"]]
    assert response.context["new_form"].initial["given_name"] == "Kofi"  # "add a new person"
    assert people[0] == kofi and ama not in people  # never the client themselves
    page = parse(response.content.decode())
    label = page.find("label", for_=f"id_{kofi.pk}_relationship")  # each form its own ids
    assert label is not None and page.find("select", id=f"id_{kofi.pk}_relationship")
    before = Person.objects.count()
    added = client.post(
        reverse("case_relative_add", args=[case.pk]),
        {"relative": kofi.pk, "relationship": "parent", "same_household": "on"},
    )
    assert added.status_code == 302
    assert Person.objects.count() == before
    relation = PersonRelation.objects.get(person=ama)
    assert relation.relative == kofi and relation.relationship == "parent"


def test_a_relative_out_of_reach_cannot_be_linked(client, ama_case, other_office):
    case = ama_case
    stranger = make_person(other_office, "Yaw", "Boateng")
    response = client.post(
        reverse("case_relative_add", args=[case.pk]),
        {"relative": stranger.pk, "relationship": "parent"},
    )
    assert response.status_code == 404 and not PersonRelation.objects.exists()


def test_the_search_is_never_in_an_address_nor_in_the_access_log_beyond_the_name(
    pl_caseworker, other_office
):
    """A search by name, date of birth, PESEL and phone: none of it in any address the
    browser is sent to; the results reload and come back with the back button (a GET of the
    kept search); the access log has the name searched for, nothing else typed."""
    from case_flows.models import AccessEvent

    client = client_for(pl_caseworker)
    pesel_kind = IdentifierKind.objects.get(code="pesel")
    pesel = make_pesel(datetime.date(1971, 3, 2), serial="0003")
    anna = make_person(
        other_office, "Anna", "Wiśniewska", national_id=pesel, national_id_kind=pesel_kind
    )
    typed = {
        "given_name": "Anna",
        "family_name": "Wisniewska",
        "date_of_birth": "1971-03-02",
        "national_id_kind": pesel_kind.pk,
        "national_id": pesel,
        "phone": "+48 601 234 567",
    }
    response = client.post(NEW, {"find": "1", **typed})
    results_url = response["Location"]
    for value in ("Anna", "Wisniewska", "1971", pesel, "601"):
        assert value not in results_url
    first, again = client.get(results_url), client.get(results_url)  # reload, back button
    for page in (first, again):
        assert [c.person for c in page.context["candidates"]] == [anna]
        assert page.context["form"]["national_id"].value() == pesel  # the form as typed
    # The old addresses search nothing: nobody keeps sending names in the address.
    assert client.get(NEW, {"find": "1", "given_name": "Anna"}).context["candidates"] is None
    rows = AccessEvent.objects.filter(target="person registry")
    assert rows.count() == 2 and {row.query for row in rows} == {"anna wisniewska"}
    for row in rows:
        # What the row says in words (its ids and times are numbers that may contain "601").
        stored = " ".join(str(getattr(row, f)) for f in ("target", "query", "reason", "action"))
        assert pesel not in stored and "601" not in stored and "1971" not in stored
    # Register anyway: the kept search fills the form and says who was shown.
    form = client.get(f"{NEW}?{first.context['carry']}").context["form"]
    assert form.initial["national_id"] == pesel
    assert form.initial["candidates_shown"] == str(anna.pk)


def test_a_search_no_longer_kept_asks_to_search_again(client, office):
    response = client.get(NEW, {"search": "gone"})
    assert response.status_code == 200 and response.context["candidates"] is None
    assert "search again" in response.content.decode()


def test_a_search_needs_the_csrf_token(caseworker):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(caseworker)
    assert strict.post(NEW, {"find": "1", "given_name": "Ama"}).status_code == 403
