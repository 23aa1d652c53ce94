"""Two API clients acting on the same thing at the same moment (real threads, real
PostgreSQL): one wins, the other gets a 409 in the error shape, never a 500."""

import pytest

from accounts.models import Role
from tests.api.conftest import client_for
from tests.case_flows.test_races import race
from tests.factories import make_user
from tests.steps import allocate, complete_intake, open_task, submit_assessment
from workflows.queue import task_release

pytestmark = pytest.mark.django_db(transaction=True)


def statuses(responses) -> list[int]:
    return sorted(r.status_code for r in responses)


def test_two_clients_claim_the_same_queue_task(office, team, supervisor, caseworker, new_case):
    second = make_user(Role.CASEWORKER, office, team, username="cw2")
    allocate(new_case, supervisor, caseworker)
    task = open_task(new_case, "intake")
    task_release(task=task, actor=caseworker)
    clients = [client_for(caseworker), client_for(second)]
    url = f"/api/v1/tasks/{task.pk}/claim/"
    responses = race(*(lambda c=c: c.post(url) for c in clients))
    assert statuses(responses) == [200, 409], [r.json() for r in responses]
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["code"] == "conflict" and "already claimed" in loser["detail"]


def test_two_supervisors_decide_the_same_approval(office, team, supervisor, caseworker, new_case):
    other = make_user(Role.SUPERVISOR, office, team, username="sup2")
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    approval = open_task(new_case, "approve_assessment").approval
    url = f"/api/v1/approvals/{approval.pk}/decide/"
    bodies = [{"decision": "approve"}, {"decision": "return", "comment": "Redo it"}]
    clients = [client_for(supervisor), client_for(other)]
    responses = race(
        *(lambda c=c, b=b: c.post(url, b, "json") for c, b in zip(clients, bodies, strict=True))
    )
    assert statuses(responses) == [200, 409], [r.json() for r in responses]
    assert next(r for r in responses if r.status_code == 409).json()["code"] == "conflict"
