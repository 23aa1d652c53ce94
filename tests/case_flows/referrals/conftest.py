"""The referral modules' cases at the referral stage are built once per test module (in
`module_db`, tests/conftest.py) through the services, instead of once per test: one whose
person consented to sharing (`referral_case`), one whose person did not (`refused_case`).
Each test gets copies of them and of the people and offices they were built with; what a
test writes is rolled back by its savepoint.

Every test of these modules sees the SLA policies and the cases a test of its module asked
for, asking or not.
"""

import pytest

from tests.module_copies import caseworker, office, other_office, supervisor, team  # noqa: F401
from workflows.sla.seed import seed_sla_policies

from .steps import open_case, to_referral_stage


@pytest.fixture(scope="module", autouse=True)
def module_policies(module_db, django_db_blocker):
    with django_db_blocker.unblock():
        seed_sla_policies()


@pytest.fixture(scope="module")
def module_referral_case(
    module_policies,
    module_office,
    module_team,
    module_supervisor,
    module_caseworker,
    django_db_blocker,
):
    with django_db_blocker.unblock():
        case = open_case(module_office, module_caseworker)
        return to_referral_stage(case, module_supervisor, module_caseworker)


@pytest.fixture(scope="module")
def module_refused_case(
    module_policies,
    module_office,
    module_team,
    module_supervisor,
    module_caseworker,
    django_db_blocker,
):
    with django_db_blocker.unblock():
        case = open_case(module_office, module_caseworker, "Kofi", "Asante")
        return to_referral_stage(case, module_supervisor, module_caseworker, consent=False)


@pytest.fixture
def referral_case(module_referral_case, module_copy):
    """At the referral stage, the person consented to sharing."""
    return module_copy(module_referral_case)


@pytest.fixture
def refused_case(module_refused_case, module_copy):
    """At the referral stage, the person did not consent to sharing."""
    return module_copy(module_refused_case)


# The function-scoped fixtures of tests/conftest.py, overridden here: the objects the cases
# were built with (copies for this test: `caseworker` is `referral_case.owner`'s copy).
