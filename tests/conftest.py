import copy
import io

import pytest
from django.core.management import call_command
from django.db import connections, transaction

import case_flows.cases.services as case_services
from accounts.models import Role
from workflows.sla.calendar import clear_calendar_cache

from .factories import category, make_office, make_person, make_team, make_user


def make_bek():
    return make_office("BEK", name="Bekwai")


def make_soc():
    return make_office("SOC", name="Sochaczew", jurisdiction="PL", timezone="Europe/Warsaw")


def make_supervisor(office):
    return make_user(Role.SUPERVISOR, office, username="sup")


def make_child_welfare(office, supervisor):
    return make_team(office, supervisor=supervisor, name="Child welfare")


def make_caseworker(office, team):
    return make_user(Role.CASEWORKER, office, team, username="cw", first_name="Akosua")


def make_manager(office):
    return make_user(Role.MANAGER, office, username="mgr")


@pytest.fixture
def office(db):
    return make_bek()


@pytest.fixture
def other_office(db):
    return make_soc()


@pytest.fixture
def supervisor(office):
    return make_supervisor(office)


@pytest.fixture
def team(office, supervisor):
    return make_child_welfare(office, supervisor)


@pytest.fixture
def caseworker(office, team):
    return make_caseworker(office, team)


@pytest.fixture
def manager(office):
    return make_manager(office)


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


# --- module-scoped DB data (issue #15) ------------------------------------------------------


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """One transaction around a whole test module, rolled back at the module's end: the
    place for expensive test data built once per module instead of once per test (the
    dashboard's world, the demo, a bench dataset).

    A module-scoped fixture asks for `module_db`, builds its data inside
    `django_db_blocker.unblock()` and returns it; each test asks for `db` (directly or
    through a function-scoped fixture) as before. pytest-django's per-test transaction is
    then a savepoint inside this one: what a test writes is rolled back after it, and the
    next test finds the module's data as it was built. At the module's end everything is
    rolled back, so the next module starts from the migrated database, as with `db`.
    Between tests the database stays blocked: a test without `db` still cannot use it.

    Mind, when moving data here:
    - every test of the module sees the data, even one that does not ask for it: a test
      that needs an empty database goes to a module of its own;
    - in-memory objects are shared by the module's tests, which mutate them (save,
      refresh_from_db, cached properties, force_login): hand each test copies
      (`module_copy`);
    - `time_machine` is function-scoped: build under `time_machine.travel(..., tick=False)`
      (its traveller has `move_to`), and freeze each test's time in its own fixture if the
      tests expect the time the build ended at;
    - function-scoped fixtures built from the same rows (`office`, `caseworker`, ...) must be
      overridden in the module to hand out the module's objects (`module_office`, ...);
    - caches keyed by ids (the SLA calendars) are cleared when the module starts and ends;
    - not for transactional tests (`transactional_db`, `live_server`): they flush the
      database, the module's data with it.
    """
    atomics = []
    with django_db_blocker.unblock():
        clear_calendar_cache()
        for alias in connections:
            atomic = transaction.atomic(using=alias)
            # as TestCase marks its own: a durable block inside is then allowed, as in a test
            atomic._from_testcase = True
            atomic.__enter__()
            atomics.append((alias, atomic))
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            for alias, atomic in reversed(atomics):
                transaction.set_rollback(True, using=alias)
                atomic.__exit__(None, None, None)
            clear_calendar_cache()


@pytest.fixture
def module_copy(db):
    """Copies of a module's objects for one test: `module_copy(obj)` deep-copies `obj`, and
    what two calls of one test share stays shared (one memo per test: `world.office` and
    `office` are one object), so a test can mutate what it was given without the next test
    seeing it."""
    memo = {}
    return lambda obj: copy.deepcopy(obj, memo)


# The fixtures above, built once for a module (in `module_db`). A module building its data
# on them overrides the function-scoped names to hand out copies of these (see
# tests/case_flows/monitoring/conftest.py).


@pytest.fixture(scope="module")
def module_office(module_db, django_db_blocker):
    with django_db_blocker.unblock():
        return make_bek()


@pytest.fixture(scope="module")
def module_other_office(module_db, django_db_blocker):
    with django_db_blocker.unblock():
        return make_soc()


@pytest.fixture(scope="module")
def module_supervisor(module_office, django_db_blocker):
    with django_db_blocker.unblock():
        return make_supervisor(module_office)


@pytest.fixture(scope="module")
def module_team(module_office, module_supervisor, django_db_blocker):
    with django_db_blocker.unblock():
        return make_child_welfare(module_office, module_supervisor)


@pytest.fixture(scope="module")
def module_caseworker(module_office, module_team, django_db_blocker):
    with django_db_blocker.unblock():
        return make_caseworker(module_office, module_team)


@pytest.fixture(scope="module")
def module_manager(module_office, django_db_blocker):
    with django_db_blocker.unblock():
        return make_manager(module_office)


@pytest.fixture(scope="module")
def demo(module_db, django_db_blocker):
    """The demo data (`seed_demo`), loaded once for the module (in `module_db`): the tests ask
    for it and `db`. A test changing the demo's settings first seeds its own instead."""
    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A view that activated a person's language leaves it active in the test's thread; the
    next test starts in the default language whatever ran before it."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
