"""Approvals through the API: the pending list (supervisors and managers, constant queries,
no restricted case off its list), one request with its record, the decision (a comment to
return, self-approval refused, decided twice: 409), withdrawing, and If-Match."""

import pytest

from case_flows.models import AccessAction, AccessEvent, Case
from tests.api.conftest import client_for, queries_for
from tests.api.world import open_case
from tests.steps import allocate, complete_intake, open_task, submit_assessment
from workflows.approvals.models import Approval, ApprovalStatus

pytestmark = pytest.mark.django_db


def submitted(case, caseworker) -> Approval:
    """The case's assessment, submitted for approval by `caseworker`."""
    complete_intake(case, caseworker)
    submit_assessment(case, caseworker)
    return open_task(case, "approve_assessment").approval


def new_submitted(world, family: str, *, team_b: bool = False) -> Approval:
    cw, sup = (world.cw_b, world.sup_b) if team_b else (world.cw, world.sup)
    case = allocate(open_case(world.office, cw, "Ama", family), sup, cw)
    return submitted(case, cw)


def test_the_pending_approvals_of_a_supervisor(world):
    approval = submitted(world.cases["mine"], world.cw)
    response = client_for(world.sup).get("/api/v1/approvals/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == approval.pk and row["kind"] == "assessment"
    assert row["case"]["reference"] == world.cases["mine"].reference
    assert row["requested_by"]["id"] == world.cw.pk


def test_caseworkers_decide_no_approvals(world):
    response = client_for(world.cw).get("/api/v1/approvals/")
    assert response.status_code == 403 and response.json()["code"] == "not_permitted"


def test_the_approvals_list_costs_the_same_queries_for_more_requests(world):
    new_submitted(world, "First")
    client = client_for(world.sup)
    few = queries_for(client, "/api/v1/approvals/")
    for n in range(4):
        new_submitted(world, f"More{n}")
    assert len(client.get("/api/v1/approvals/").json()["results"]) == 5
    assert queries_for(client, "/api/v1/approvals/") == few


def test_a_restricted_cases_request_is_left_out_for_the_manager(world):
    restricted = submitted(world.cases["restricted"], world.cw_b)
    ordinary = new_submitted(world, "Ordinary", team_b=True)
    rows = client_for(world.mgr).get("/api/v1/approvals/").json()["results"]
    assert [row["id"] for row in rows] == [ordinary.pk]
    assert client_for(world.mgr).get(f"/api/v1/approvals/{restricted.pk}/").status_code == 404
    rows = client_for(world.sup_b).get("/api/v1/approvals/").json()["results"]
    assert {row["id"] for row in rows} == {restricted.pk, ordinary.pk}


def test_a_request_shows_the_record_under_approval(world):
    approval = submitted(world.cases["mine"], world.cw)
    response = client_for(world.sup).get(f"/api/v1/approvals/{approval.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["can_decide"] is True and body["can_withdraw"] is False
    record = body["record"]["assessment"]
    assert record["strengths"] == "Supportive grandmother"
    levels = {need["domain"]: need["level"] for need in record["needs"]}
    assert levels == {"Education": "high", "Safety": "medium"}
    assert response["ETag"]
    assert AccessEvent.objects.filter(
        user=world.sup, action=AccessAction.VIEW_RECORD, target="approval: assessment"
    ).exists()
    assert client_for(world.sup_other).get(f"/api/v1/approvals/{approval.pk}/").status_code == 404


def test_returning_needs_a_comment_then_a_second_decision_is_409(world):
    approval = submitted(world.cases["mine"], world.cw)
    client = client_for(world.sup)
    url = f"/api/v1/approvals/{approval.pk}/decide/"
    bare = client.post(url, {"decision": "return"}, "json")
    assert bare.status_code == 400 and "comment" in bare.json()["errors"]
    assert client.post(url, {"decision": "maybe"}, "json").status_code == 400
    returned = client.post(url, {"decision": "return", "comment": "Add the school"}, "json")
    assert returned.status_code == 200, returned.json()
    assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.RETURNED
    assert open_task(world.cases["mine"], "assess").owner == world.cw  # back to revise
    again = client.post(url, {"decision": "approve"}, "json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"


def test_approving_moves_the_case_on(world):
    approval = submitted(world.cases["mine"], world.cw)
    response = client_for(world.sup).post(
        f"/api/v1/approvals/{approval.pk}/decide/", {"decision": "approve"}, "json"
    )
    assert response.status_code == 200
    assert response.json()["case"]["stage"] == "planning"


def test_nobody_approves_their_own_request(world):
    case = allocate(open_case(world.office, world.sup, "Ama", "Own"), world.sup, world.sup)
    approval = submitted(case, world.sup)
    client = client_for(world.sup)
    assert client.get("/api/v1/approvals/").json()["results"] == []
    body = client.get(f"/api/v1/approvals/{approval.pk}/").json()
    assert body["can_decide"] is False and body["can_withdraw"] is True
    response = client.post(
        f"/api/v1/approvals/{approval.pk}/decide/", {"decision": "approve"}, "json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_permitted"
    assert "your own request" in response.json()["detail"]
    assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.PENDING


def test_the_requester_withdraws_and_nobody_else(world):
    approval = submitted(world.cases["mine"], world.cw)
    url = f"/api/v1/approvals/{approval.pk}/withdraw/"
    refused = client_for(world.sup).post(url, {}, "json")
    assert refused.status_code == 403
    done = client_for(world.cw).post(url, {"comment": "Forgot the school"}, "json")
    assert done.status_code == 200, done.json()
    assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.WITHDRAWN
    assert open_task(world.cases["mine"], "assess").owner == world.cw
    assert client_for(world.cw).post(url, {}, "json").status_code == 409


def test_a_decision_on_a_request_no_longer_as_read_is_stale(world):
    approval = submitted(world.cases["mine"], world.cw)
    response = client_for(world.sup).post(
        f"/api/v1/approvals/{approval.pk}/decide/",
        {"decision": "approve"},
        "json",
        HTTP_IF_MATCH='"not-this-one"',
    )
    assert response.status_code == 409 and response.json()["code"] == "stale"
    assert Case.objects.get(pk=world.cases["mine"].pk).stage == "assessment"
