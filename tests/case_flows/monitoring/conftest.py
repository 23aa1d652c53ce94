"""The dashboard's world (dashboard_fixtures.build_world) is built once per test module, in
`module_db` (tests/conftest.py), instead of once per test (issue #15).

Each test gets copies of the module's objects (`module_copy`), the same copies for `world`
and for the fixtures the world was built with (`office`, `caseworker`, ...), and runs at the
time the build ended at (NOW, frozen), as when each test built its own world.

Every test of a module that asks for `world` sees the world's rows, asking or not: a test
that needs a database without them lives in a module of its own (test_dashboard_ages,
test_dashboard_beat).
"""

import pytest
import time_machine as tm
from django.utils import timezone

from tests.module_copies import caseworker, manager, office, other_office, supervisor, team  # noqa: F401

from .dashboard_fixtures import NOW, build_world


@pytest.fixture(scope="module")
def module_world(
    module_office,
    module_other_office,
    module_team,
    module_supervisor,
    module_caseworker,
    module_manager,
    django_db_blocker,
):
    # build_world moves the clock from its first case on; until then it runs from the real
    # time, as when the function-scoped time_machine had not been moved yet.
    with django_db_blocker.unblock(), tm.travel(timezone.now()) as traveller:
        return build_world(
            traveller,
            module_office,
            module_other_office,
            module_team,
            module_supervisor,
            module_caseworker,
            module_manager,
        )


@pytest.fixture
def world(module_world, module_copy, time_machine):
    time_machine.move_to(NOW, tick=False)
    return module_copy(module_world)


# The function-scoped fixtures of tests/conftest.py, overridden here: the objects the world
# was built with (copies for this test: `office` is `world.office`).
