"""The function-scoped fixtures of tests/conftest.py (`office`, `caseworker`, ...) overridden
to hand out copies of the module's objects built in `module_db` (`module_office`, ...). A folder
whose modules build their data once imports the ones it needs into its conftest:
`from tests.module_copies import office, team  # noqa: F401`."""

import pytest


@pytest.fixture
def office(module_office, module_copy):
    return module_copy(module_office)


@pytest.fixture
def other_office(module_other_office, module_copy):
    return module_copy(module_other_office)


@pytest.fixture
def supervisor(module_supervisor, module_copy):
    return module_copy(module_supervisor)


@pytest.fixture
def team(module_team, module_copy):
    return module_copy(module_team)


@pytest.fixture
def caseworker(module_caseworker, module_copy):
    return module_copy(module_caseworker)


@pytest.fixture
def manager(module_manager, module_copy):
    return module_copy(module_manager)
