"""The API checked by a tool no one here wrote: schemathesis reads the committed description
(docs/api/openapi.yaml) and sends every operation requests it makes up, valid and invalid,
as a supervisor and as a caseworker of the demo office (tokens with every scope). Every
answer must be no server error, carry a status and a content type the description lists for
the operation and a body its schema for that status accepts. The supervisor's run adds
schemathesis' coverage phase (each parameter's boundaries and invalid shapes); the
caseworker's is fuzzed only, to keep the time.

The requests go to Django's WSGI application in this process (schemathesis' WSGI transport:
the whole stack, middleware included, without a socket), over the demo data: cases in every
stage, open tasks, pending approvals. Ids in paths are drawn mostly from the real rows (else
every request would be a 404), sometimes left as generated. A bounded, derandomized number of
examples per operation keeps the run the same each time and within the suite's time.
"""

import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from viewflow.workflow.models import Task

from accounts.models import User
from case_flows.models import Case, Person
from workflows.approvals.models import Approval

from .conftest import token_for

ROOT = Path(__file__).resolve().parents[2]
DESCRIPTION = ROOT / "docs" / "api" / "openapi.yaml"

# Fuzzed examples per operation and role (valid and invalid): few enough for the suite's
# time. SCHEMATHESIS_EXAMPLES=200 looks harder, by hand.
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "10"))


def _schema(*, coverage: bool):
    """The committed description, generation deterministic, valid and invalid requests.
    `coverage`: also schemathesis' coverage phase (every boundary and invalid shape of each
    parameter and body field, a few hundred requests per operation), for one role only."""
    phases = {"coverage": {"enabled": coverage, "unexpected-methods": []}}
    # No schemathesis.toml is looked for: what runs is what this file says.
    config = SchemathesisConfig.from_dict(
        {"generation": {"mode": "all", "deterministic": True}, "phases": phases}
    )
    return schemathesis.openapi.from_path(DESCRIPTION, config=config)


THOROUGH = _schema(coverage=True)
FUZZED = _schema(coverage=False)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

ROLES = ["supervisor", "caseworker"]  # the demo's Bekwai accounts (accounts/demo.py)

HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,  # nothing written to .hypothesis/
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def seeded(demo, django_db_blocker):
    """The demo's data, a bearer token (every scope) per role and the ids that exist."""
    with django_db_blocker.unblock():
        tokens = {role: token_for(User.objects.get(username=role)).token for role in ROLES}
        ids = {
            "case_id": list(Case.objects.order_by("pk").values_list("pk", flat=True)),
            "person_id": list(Person.objects.order_by("pk").values_list("pk", flat=True)),
            "task_id": list(Task.objects.order_by("pk").values_list("pk", flat=True)),
            "approval_id": list(Approval.objects.order_by("pk").values_list("pk", flat=True)),
        }
    assert all(ids.values()), ids
    return tokens, ids


@pytest.fixture
def wsgi(seeded, wsgi_app):
    return wsgi_app


def _real_ids(case, ids: dict[str, list[int]]) -> None:
    """Most generated ids replaced by ids that exist (deterministically, from the generated
    value); one in four kept, to meet the 404s too."""
    for name, value in list(case.path_parameters.items()):
        pool = ids.get(name)
        if pool and isinstance(value, int) and not isinstance(value, bool) and value % 4:
            case.path_parameters[name] = pool[value % len(pool)]


def _check(case, role: str, seeded, wsgi) -> None:
    tokens, ids = seeded
    _real_ids(case, ids)
    case.call_and_validate(
        app=wsgi, headers={"Authorization": f"Bearer {tokens[role]}"}, checks=CHECKS
    )


@THOROUGH.parametrize()
@HYPOTHESIS
def test_as_a_supervisor_the_api_keeps_its_description(case, seeded, wsgi):
    _check(case, "supervisor", seeded, wsgi)


@FUZZED.parametrize()
@HYPOTHESIS
def test_as_a_caseworker_the_api_keeps_its_description(case, seeded, wsgi):
    _check(case, "caseworker", seeded, wsgi)
