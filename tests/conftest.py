import pytest

import case_flows.cases.services as case_services
from accounts.models import Role

from .factories import category, make_office, make_person, make_team, make_user


@pytest.fixture
def office(db):
    return make_office("BEK", name="Bekwai")


@pytest.fixture
def other_office(db):
    return make_office("SOC", name="Sochaczew", jurisdiction="PL", timezone="Europe/Warsaw")


@pytest.fixture
def supervisor(office):
    return make_user(Role.SUPERVISOR, office, username="sup")


@pytest.fixture
def team(office, supervisor):
    return make_team(office, supervisor=supervisor, name="Child welfare")


@pytest.fixture
def caseworker(office, team):
    return make_user(Role.CASEWORKER, office, team, username="cw", first_name="Akosua")


@pytest.fixture
def manager(office):
    return make_user(Role.MANAGER, office, username="mgr")


@pytest.fixture
def new_case(office, team, caseworker, supervisor):
    person = make_person(office, "Kwame", "Mensah", phone="+233 24 123 4567")
    return case_services.case_open(
        actor=caseworker,
        person=person,
        office=office,
        category=category(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Child out of school, signs of neglect",
    )


@pytest.fixture(scope="session", autouse=True)
def browser_reference_data(request):
    """When browser tests are in the run: what the migrations put in the test database,
    taken before the first test (transactional tests flush it), so each browser module can
    start from it (tests/browser/conftest.py)."""
    if not any(item.get_closest_marker("browser") for item in request.session.items):
        return None
    from django.db import connection

    request.getfixturevalue("django_db_setup")
    with request.getfixturevalue("django_db_blocker").unblock():
        return connection.creation.serialize_db_to_string()
