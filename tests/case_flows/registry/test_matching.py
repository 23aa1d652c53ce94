"""person_candidates: who the searched-for person may already be, ranked with reasons; the
earlier cases shown are only those the user may see, and someone known only elsewhere is
shown without details, and only when the identifier or the phone says it is them."""

import datetime

import pytest
from django.db import connection

import case_flows.cases.services as case_services
from case_flows.cases.access import case_restrict
from case_flows.models import IdentifierKind
from case_flows.registry.selectors import (
    Access,
    Search,
    name_similarity,
    person_candidates,
    phone_national,
    phone_variants,
)
from case_flows.text import digits
from tests.factories import category, make_person, make_team, make_user


def _open(actor, person, office):
    return case_services.case_open(
        actor=actor,
        person=person,
        office=office,
        category=category(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Concerns",
    )


@pytest.fixture(scope="module")
def world(
    module_office, module_other_office, module_caseworker, module_supervisor, django_db_blocker
):
    with django_db_blocker.unblock():
        return _build(module_office, module_other_office, module_caseworker)


def _build(office, soc, caseworker):
    ghana = IdentifierKind.objects.get(code="ghana-card")
    lukasz = make_person(office, "Łukasz", "Wójcik", date_of_birth=datetime.date(1990, 3, 1))
    jan_a = make_person(office, "Jan", "Kowalski", date_of_birth=datetime.date(1980, 1, 1))
    jan_b = make_person(office, "Jan", "Kowalski", date_of_birth=datetime.date(1955, 6, 6))
    kwame = make_person(
        office,
        "Kwame",
        "Mensah",
        phone="+233 24 123 4567",
        national_id="GHA-123456789-0",
        national_id_kind=ghana,
    )
    # Known only at Sochaczew: the same ID as typed for "Yaw Boateng" below.
    sup_soc = make_user("supervisor", soc, username="sup-soc")
    make_team(soc, supervisor=sup_soc)
    elsewhere = make_person(
        soc, "Yaw", "Boateng", national_id="GHA-987654321-0", national_id_kind=ghana
    )
    _open(sup_soc, elsewhere, soc)
    namesake = make_person(soc, "Łukasz", "Wójcik")  # a namesake there: never shown
    _open(sup_soc, namesake, soc)
    # At Bekwai, but only through a restricted case of another team.
    other_sup = make_user("supervisor", office, username="sup-2")
    other_team = make_team(office, supervisor=other_sup)
    secret = make_person(office, "Abena", "Asante", phone="0201112222")
    secret_case = _open(other_sup, secret, office)
    secret_case.team = other_team
    secret_case.save(update_fields=["team"])
    case_restrict(case=secret_case, actor=other_sup, reason="Domestic violence")
    lukasz_case = _open(caseworker, lukasz, office)
    lukasz_case.team = caseworker.teams.first()
    lukasz_case.owner = caseworker
    lukasz_case.save(update_fields=["team", "owner"])
    return {
        "lukasz": lukasz,
        "lukasz_case": lukasz_case,
        "jan_a": jan_a,
        "jan_b": jan_b,
        "kwame": kwame,
        "elsewhere": elsewhere,
        "namesake": namesake,
        "secret": secret,
        "ghana": ghana,
    }


@pytest.fixture
def caseworker(module_caseworker, module_copy):
    return module_copy(module_caseworker)


def names(candidates):
    return [str(c.person) for c in candidates]


def test_accents_and_case_do_not_matter(db, world, caseworker):
    found = person_candidates(caseworker, Search(given_name="lukasz", family_name="WOJCIK"))
    assert found[0].person == world["lukasz"]
    assert found[0].reasons == ["same name"]
    # Their earlier case, which the caseworker may see, is listed with them.
    assert found[0].visible_cases == [world["lukasz_case"]]
    assert not found[0].known_elsewhere


def test_word_order_does_not_matter(db, world, caseworker):
    found = person_candidates(caseworker, Search(given_name="Wójcik", family_name="Łukasz"))
    assert found[0].person == world["lukasz"] and found[0].reasons == ["same name"]


def test_a_typo_still_finds_and_the_date_of_birth_ranks(db, world, caseworker):
    search = Search(given_name="Jan", family_name="Kowalsky", age=None)
    search.date_of_birth = datetime.date(1955, 6, 6)
    found = person_candidates(caseworker, search)
    assert [c.person for c in found[:2]] == [world["jan_b"], world["jan_a"]]
    assert found[0].reasons == ["similar name", "same date of birth"]
    assert found[1].reasons == ["similar name"] and found[1].score < found[0].score


def test_an_age_near_the_date_of_birth_lifts_a_candidate(db, world, caseworker):
    age = world["jan_a"].age
    found = person_candidates(caseworker, Search(given_name="Jan", family_name="Kowalski", age=age))
    assert found[0].person == world["jan_a"] and "same date of birth" in found[0].reasons


def test_the_identifier_comes_first_then_the_phone(db, world, caseworker):
    search = Search(
        given_name="Jan",
        family_name="Kowalski",
        national_id="gha 123456789 0",
        national_id_kind=world["ghana"],
        phone="024 123 4567",
    )
    found = person_candidates(caseworker, search)
    assert found[0].person == world["kwame"]
    assert found[0].reasons == ["same national ID", "same phone"]
    assert {c.person for c in found[1:3]} == {world["jan_a"], world["jan_b"]}


def test_a_phone_matches_with_or_without_the_country_code():
    ghana = set(phone_variants("020 111 2222"))
    assert {"0201112222", "233201112222", "00233201112222"} <= ghana
    poland = set(phone_variants("+48 601 234 567"))
    assert {"48601234567", "601234567", "0048601234567"} <= poland
    assert phone_variants("123") == []
    # Every form typed is the same national number, the key the duplicates list joins on.
    same = ["+48 601 234 567", "601-234-567", "0048 601 234 567", "(601) 234 567"]
    assert {phone_national(p) for p in same} == {"601234567"}
    assert {phone_national(p) for p in ["+233 24 400 0111", "0244000111", "00233244000111"]} == {
        "244000111"
    }
    for typed in same:
        assert digits(typed) in phone_variants("601 234 567")


def test_someone_known_only_to_another_office_is_shown_without_details(db, world, caseworker):
    search = Search(
        given_name="Yaw",
        family_name="Boateng",
        national_id="GHA-987654321-0",
        national_id_kind=world["ghana"],
    )
    found = person_candidates(caseworker, search)
    assert len(found) == 1
    assert found[0].person == world["elsewhere"] and found[0].known_elsewhere
    assert found[0].access == Access.ELSEWHERE and found[0].visible_cases == []
    # A mere namesake there is not shown at all.
    by_name = person_candidates(caseworker, Search(given_name="Lukasz", family_name="Wojcik"))
    assert world["namesake"] not in [c.person for c in by_name]


def test_someone_known_here_only_through_a_restricted_case(db, world, caseworker):
    found = person_candidates(caseworker, Search(phone="+233 20 111 2222"))
    assert [c.person for c in found] == [world["secret"]]
    assert found[0].access == Access.RESTRICTED and found[0].visible_cases == []
    # Found by name alone, they are not shown.
    assert person_candidates(caseworker, Search(given_name="Abena", family_name="Asante")) == []


def test_the_query_count_is_bounded(db, world, caseworker, django_assert_max_num_queries):
    search = Search(
        given_name="Jan",
        family_name="Kowalski",
        national_id="GHA-123456789-0",
        national_id_kind=world["ghana"],
        phone="0241234567",
    )
    with django_assert_max_num_queries(7):
        found = person_candidates(caseworker, search)
    assert len(found) == 3


@pytest.mark.parametrize(
    ("a", "b"),
    [("lukasz wojcik", "wojcik lukasz"), ("jan kowalsky", "jan kowalski"), ("kwame", "kwami")],
)
def test_the_python_similarity_is_pg_trgm_s(db, a, b):
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", [a, b])
        expected = cursor.fetchone()[0]
    assert name_similarity(a, b) == pytest.approx(expected, abs=1e-6)


def test_other_databases_match_in_python(db, world, caseworker, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    found = person_candidates(caseworker, Search(given_name="Kowalsky", family_name="Jan"))
    assert {c.person for c in found} == {world["jan_a"], world["jan_b"]}
    found = person_candidates(caseworker, Search(given_name="lukasz", family_name="wojcik"))
    assert found[0].person == world["lukasz"]
