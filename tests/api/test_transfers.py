"""Transfers through the API: asking another office to take a case (the page's form; one
waiting already: 409), the receiving supervisors' pending list (constant queries), accepting
with a caseworker of the office (accepted twice: 409) or declining with a reason, and the
scope: another office's transfer is a 404, a caseworker is refused."""

import pytest

from accounts.models import Role
from case_flows.models import Case, CaseTransfer, TransferStatus
from case_flows.transfers import services as transfer_services
from tests.api.conftest import client_for, queries_for
from tests.api.world import open_case
from tests.factories import make_office, make_user
from tests.steps import allocate

pytestmark = pytest.mark.django_db


def requested(world, case=None) -> CaseTransfer:
    case = case or world.cases["mine"]
    return transfer_services.transfer_request(
        case=case, actor=world.cw, to_office=world.other_office, reason="Family moved"
    )


def new_case(world, family: str) -> Case:
    return allocate(open_case(world.office, world.cw, "Ama", family), world.sup, world.cw)


def test_requesting_a_transfer(world):
    case = world.cases["mine"]
    client = client_for(world.cw)
    response = client.post(
        f"/api/v1/cases/{case.pk}/transfer/",
        {"to_office": world.other_office.pk, "reason": "Family moved to Sochaczew"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "requested" and body["to_office"]["code"] == "SOC"
    assert body["case"]["id"] == case.pk
    transfer = CaseTransfer.objects.get(pk=body["id"])
    assert transfer.requested_by == world.cw and transfer.status == TransferStatus.REQUESTED
    # One waiting already: 409.
    response = client.post(
        f"/api/v1/cases/{case.pk}/transfer/",
        {"to_office": world.other_office.pk, "reason": "Again"},
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_a_bad_transfer_request_is_400_with_the_fields(world):
    case = world.cases["mine"]
    response = client_for(world.cw).post(
        f"/api/v1/cases/{case.pk}/transfer/", {"to_office": world.office.pk}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"to_office", "reason"}
    assert not CaseTransfer.objects.exists()


def test_a_case_outside_the_scope_is_404(world):
    for user, case in ((world.cw_b, world.cases["mine"]), (world.cw, world.cases["foreign"])):
        response = client_for(user).post(
            f"/api/v1/cases/{case.pk}/transfer/",
            {"to_office": world.other_office.pk, "reason": "x"},
            format="json",
        )
        assert response.status_code == 404
    assert not CaseTransfer.objects.exists()


def test_the_receiving_supervisor_lists_the_pending_transfers(world):
    transfer = requested(world)
    response = client_for(world.sup_other).get("/api/v1/transfers/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == transfer.pk and row["from_office"]["code"] == "BEK"
    # The sending office's supervisor has nothing to answer; a caseworker is refused.
    assert client_for(world.sup).get("/api/v1/transfers/").json()["results"] == []
    response = client_for(world.cw_other).get("/api/v1/transfers/")
    assert response.status_code == 403 and response.json()["code"] == "not_permitted"


def test_the_pending_list_costs_the_same_queries_for_more_rows(world):
    requested(world)
    client = client_for(world.sup_other)
    few = queries_for(client, "/api/v1/transfers/")
    for n in range(4):
        requested(world, new_case(world, f"More{n}"))
    assert len(client.get("/api/v1/transfers/").json()["results"]) == 5
    assert queries_for(client, "/api/v1/transfers/") == few


def test_accepting_a_transfer_once(world):
    transfer = requested(world)
    client = client_for(world.sup_other)
    accept = f"/api/v1/transfers/{transfer.pk}/accept/"
    response = client.post(accept, {"caseworker": world.cw.pk}, format="json")
    assert response.status_code == 400 and "caseworker" in response.json()["errors"]
    response = client.post(accept, {"caseworker": world.cw_other.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "accepted"
    case = Case.objects.get(pk=transfer.case_id)
    assert case.office_id == world.other_office.pk and case.owner_id == world.cw_other.pk
    # Accepted twice: 409, nothing changes.
    response = client.post(accept, {"caseworker": world.cw_other.pk}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    response = client.post(
        f"/api/v1/transfers/{transfer.pk}/decline/", {"reason": "No"}, format="json"
    )
    assert response.status_code == 409
    assert CaseTransfer.objects.get(pk=transfer.pk).status == TransferStatus.ACCEPTED


def test_declining_a_transfer_needs_a_reason(world):
    transfer = requested(world)
    client = client_for(world.sup_other)
    decline = f"/api/v1/transfers/{transfer.pk}/decline/"
    response = client.post(decline, {}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    response = client.post(decline, {"reason": "No capacity"}, format="json")
    assert response.status_code == 200 and response.json()["decline_reason"] == "No capacity"
    assert Case.objects.get(pk=transfer.case_id).office_id == world.office.pk


def test_another_offices_transfer_is_404(world):
    transfer = requested(world)
    third = make_office("KMS", name="Kumasi")
    sup_third = make_user(Role.SUPERVISOR, third, username="sup_third")
    for user in (sup_third, world.sup):
        client = client_for(user)
        assert client.get(f"/api/v1/transfers/{transfer.pk}/").status_code == 404
        response = client.post(
            f"/api/v1/transfers/{transfer.pk}/accept/", {"caseworker": 1}, format="json"
        )
        assert response.status_code == 404
    assert client_for(world.sup_other).get(f"/api/v1/transfers/{transfer.pk}/").status_code == 200


def test_a_token_without_the_transfers_scope_is_403(world):
    transfer = requested(world)
    client = client_for(world.sup_other, "transfers:read")
    assert client.get("/api/v1/transfers/").status_code == 200
    response = client.post(
        f"/api/v1/transfers/{transfer.pk}/decline/", {"reason": "No"}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    response = client_for(world.sup_other, "cases:read").get("/api/v1/transfers/")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


def test_the_cases_transfer_state_and_cancelling_it(world):
    case = world.cases["mine"]
    client = client_for(world.cw)
    state = client.get(f"/api/v1/cases/{case.pk}/transfer/").json()
    assert state == {"pending": None, "may_request": True, "may_cancel": False}
    response = client.post(f"/api/v1/cases/{case.pk}/transfer/cancel/")
    assert response.status_code == 404
    transfer = requested(world)
    state = client.get(f"/api/v1/cases/{case.pk}/transfer/").json()
    assert state["pending"]["id"] == transfer.pk and state["may_cancel"] is True
    assert state["may_request"] is False
    # Someone outside the case's work: 404.
    assert (
        client_for(world.cw_other).post(f"/api/v1/cases/{case.pk}/transfer/cancel/").status_code
        == 404
    )
    response = client.post(f"/api/v1/cases/{case.pk}/transfer/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    # The receiving office's answer comes too late: 409.
    response = client_for(world.sup_other).post(
        f"/api/v1/transfers/{transfer.pk}/accept/", {"caseworker": world.cw_other.pk}, format="json"
    )
    assert response.status_code == 409
    assert Case.objects.get(pk=case.pk).office_id == world.office.pk
