"""One lock order for every path that takes a case's flow lock and its row: accepting a
transfer while the caseworker completes the case's task must not deadlock. Before the fix,
PostgreSQL found a deadlock in most trials and the caseworker's submission was a 500."""

import pytest
from django.db import OperationalError
from django.db.utils import DatabaseError

import case_flows.cases.services as case_services
import case_flows.work.services as work_services
from accounts.models import Role
from case_flows.models import Assessment, Case, Person
from case_flows.transfers import services as transfers
from tests.factories import category, make_team, make_user
from tests.steps import allocate, complete_intake, open_task
from workflows.errors import Conflict, WorkflowError
from workflows.sla.seed import seed_sla_policies

from .test_races import race

pytestmark = pytest.mark.django_db(transaction=True)

TRIALS = 6


@pytest.fixture
def receiving(other_office):
    supervisor = make_user(Role.SUPERVISOR, other_office, username="sup2")
    team = make_team(other_office, supervisor=supervisor, name="Rodziny")
    caseworker = make_user(Role.CASEWORKER, other_office, team, username="cw2")
    return supervisor, caseworker


def _case_in_assessment(office, supervisor, caseworker, n):
    person = Person.objects.create(office=office, given_name=f"Ama{n}", family_name="Owusu")
    case = case_services.case_open(
        actor=caseworker,
        person=person,
        office=office,
        category=category(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Trial",
    )
    allocate(case, supervisor, caseworker)
    complete_intake(case, caseworker)
    return Case.objects.get(pk=case.pk)


def test_transfer_accept_against_task_completion(
    office, other_office, team, supervisor, caseworker, receiving
):
    seed_sla_policies()
    receiving_supervisor, receiving_caseworker = receiving
    outcomes = {"both": 0, "refused": 0, "deadlocked": 0, "error": []}
    for n in range(TRIALS):
        case = _case_in_assessment(office, supervisor, caseworker, n)
        transfer = transfers.transfer_request(
            case=case, actor=caseworker, to_office=other_office, reason="Family moved"
        )
        task = open_task(case, "assess")
        results = race(
            lambda transfer=transfer: transfers.transfer_accept(
                transfer=transfer, actor=receiving_supervisor, caseworker=receiving_caseworker
            ),
            lambda task=task: work_services.assessment_submit(
                task=task,
                actor=caseworker,
                needs={"safety": "high"},
                strengths="Grandmother nearby",
                risk_decided="high",
                needs_notes="",
            ),
        )
        errors = [r for r in results if isinstance(r, Exception)]
        # When the accept runs first the task is the new caseworker's: the old one is told so.
        unexpected = [e for e in errors if not isinstance(e, WorkflowError)]
        outcomes["error"] += [repr(e) for e in unexpected]
        outcomes["deadlocked"] += sum(isinstance(e, Conflict) for e in errors)
        if not errors:
            outcomes["both"] += 1
        else:
            outcomes["refused"] += 1
        # Whatever happened, the database is consistent: the assessment is saved exactly when
        # the completion succeeded, and the transfer is accepted exactly when the accept did.
        submitted = not isinstance(results[1], Exception)
        assert Assessment.objects.filter(case=case).count() == (1 if submitted else 0)
        transfer.refresh_from_db()
        assert transfer.status == (
            "accepted" if not isinstance(results[0], Exception) else "requested"
        )
    print(f"\n{TRIALS} races of transfer accept against completion: {outcomes}")
    assert outcomes["error"] == [], "a lost race must be a Conflict, never a database error"
    # With one lock order they simply run one after the other: no deadlock (which would be
    # a Conflict for one of them), the transfer always lands.
    assert outcomes["deadlocked"] == 0
    assert outcomes["both"] + outcomes["refused"] == TRIALS


def test_a_deadlock_that_still_happens_is_a_conflict():
    """Any deadlock, serialization failure or lock timeout inside a service is a 409."""
    from psycopg import errors

    from workflows.queue import conflicts_as_errors

    for error in (errors.DeadlockDetected, errors.SerializationFailure, errors.LockNotAvailable):
        with pytest.raises(Conflict):
            with conflicts_as_errors():
                try:
                    raise error("lost")
                except error as exc:
                    raise OperationalError(str(exc)) from exc
    # Anything else is not hidden.
    with pytest.raises(DatabaseError):
        with conflicts_as_errors():
            raise DatabaseError("a bug")
