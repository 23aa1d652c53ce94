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


def test_two_receiving_supervisors_accept_the_same_transfer(
    office, other_office, team, supervisor, caseworker, new_case
):
    from case_flows.models import Case
    from case_flows.transfers.services import transfer_request
    from tests.factories import make_team

    first = make_user(Role.SUPERVISOR, other_office, username="sup_o1")
    second = make_user(Role.SUPERVISOR, other_office, username="sup_o2")
    receiving = make_team(other_office, supervisor=first, name="Rodziny")
    taker = make_user(Role.CASEWORKER, other_office, receiving, username="cw_o")
    allocate(new_case, supervisor, caseworker)
    new_case.refresh_from_db()
    transfer = transfer_request(
        case=new_case, actor=caseworker, to_office=other_office, reason="Moved"
    )
    url = f"/api/v1/transfers/{transfer.pk}/accept/"
    clients = [client_for(first), client_for(second)]
    responses = race(*(lambda c=c: c.post(url, {"caseworker": taker.pk}, "json") for c in clients))
    assert statuses(responses) == [200, 409], [r.json() for r in responses]
    assert next(r for r in responses if r.status_code == 409).json()["code"] == "conflict"
    assert Case.objects.get(pk=new_case.pk).owner_id == taker.pk


def test_one_registration_sent_twice_at_once_with_one_key(office, team, caseworker):
    from case_flows.models import Case
    from tests.factories import category

    body = {
        "given_name": "Kwabena",
        "family_name": "Twice",
        "sex": "male",
        "date_of_birth": "2015-04-02",
        "phone": "+233 20 555 0303",
        "category": category().pk,
        "risk": "medium",
        "source": "walk_in",
        "presenting_concerns": "Child out of school",
    }
    clients = [client_for(caseworker), client_for(caseworker)]
    responses = race(
        *(
            lambda c=c: c.post("/api/v1/people/", body, "json", HTTP_IDEMPOTENCY_KEY="twice")
            for c in clients
        )
    )
    codes = statuses(responses)
    # The second is a replay (the first had answered) or told the first is still running.
    assert codes in ([200, 201], [201, 409]), [r.json() for r in responses]
    if 409 in codes:
        loser = next(r for r in responses if r.status_code == 409).json()
        assert loser["code"] == "idempotency_key_in_progress"
    assert Case.objects.filter(person__family_name="Twice").count() == 1
