"""Referrals through the API: a case's referrals (shared attachments, constant queries),
sending one from the case (the page's form and the consent rule), an external provider's
answer recorded on the case, and the provider's side: its staff list the referrals to their
provider (nothing of a restricted case) and answer them; answered twice: 409."""

from dataclasses import dataclass

import pytest

import case_flows.cases.access as access_services
import case_flows.referrals.services as referral_services
from accounts.models import Role, User
from case_flows.models import Case, ProviderKind, Referral, ReferralStatus, ServiceProvider
from tests.api.conftest import client_for, queries_for
from tests.api.world import World, build_world, open_case
from tests.factories import make_user
from tests.steps import allocate, approve, complete_intake, submit_assessment, submit_plan
from workflows.sla.seed import seed_sla_policies

pytestmark = pytest.mark.django_db


@dataclass
class Setting:
    world: World
    case: Case  # `mine`, arranging services
    clinic: ServiceProvider  # internal, serves the office
    ngo: ServiceProvider  # external, every office
    nurse: User  # the clinic's staff
    referral: Referral  # to the clinic, sent


def to_referral_stage(case, supervisor, caseworker) -> Case:
    complete_intake(case, caseworker)
    submit_assessment(case, caseworker, risk="medium")
    approve(case, "approve_assessment", supervisor)
    submit_plan(case, caseworker)
    approve(case, "approve_plan", supervisor)
    case.refresh_from_db()
    return case


@pytest.fixture(scope="module")
def setting(module_db, django_db_blocker):
    with django_db_blocker.unblock():
        seed_sla_policies()
        world = build_world()
        case = to_referral_stage(world.cases["mine"], world.sup, world.cw)
        clinic = ServiceProvider.objects.create(
            name="District Health Directorate",
            kind=ProviderKind.INTERNAL,
            services="Health screening",
            office=world.office,
        )
        ngo = ServiceProvider.objects.create(
            name="Hope Shelter", kind=ProviderKind.EXTERNAL, services="Shelter"
        )
        nurse = make_user(Role.PROVIDER, None, username="nurse")
        clinic.members.add(nurse)
        referral = referral_services.referral_send(
            case=case, actor=world.cw, service_type="Health screening", provider=clinic
        )
        return Setting(world, case, clinic, ngo, nurse, referral)


def url(case, *rest) -> str:
    return "/".join([f"/api/v1/cases/{case.pk}/referrals", *map(str, rest)]) + "/"


def send(setting, n: int = 1) -> list[Referral]:
    return [
        referral_services.referral_send(
            case=setting.case,
            actor=setting.world.cw,
            service_type=f"Screening {i}",
            provider=setting.clinic,
        )
        for i in range(n)
    ]


def test_a_cases_referrals(setting):
    response = client_for(setting.world.cw).get(url(setting.case))
    assert response.status_code == 200
    body = response.json()
    assert body["may_send"] is True
    [row] = body["results"]
    assert row["id"] == setting.referral.pk and row["status"] == "sent"
    assert row["provider"] == {
        "id": setting.clinic.pk,
        "name": "District Health Directorate",
        "kind": "internal",
    }
    assert row["shared_attachments"] == []
    # An internal provider answers itself: the caseworker may not record its answer.
    assert row["may_answer"] is False
    detail = client_for(setting.world.cw).get(url(setting.case, setting.referral.pk))
    assert detail.status_code == 200 and detail.json()["id"] == setting.referral.pk


def test_a_cases_referrals_cost_the_same_queries_for_more_rows(setting):
    client = client_for(setting.world.cw)
    few = queries_for(client, url(setting.case))
    send(setting, 4)
    assert len(client.get(url(setting.case)).json()["results"]) == 5
    assert queries_for(client, url(setting.case)) == few


def test_referrals_of_a_case_outside_the_scope_are_404(setting):
    world = setting.world
    for user in (world.cw_other, world.cw_b, setting.nurse):
        client = client_for(user)
        assert client.get(url(setting.case)).status_code == 404
        assert client.get(url(setting.case, setting.referral.pk)).status_code == 404
    # A referral of another case, under this case's address.
    other = allocate(open_case(world.office, world.cw, "Ama", "Other"), world.sup, world.cw)
    assert client_for(world.cw).get(url(other, setting.referral.pk)).status_code == 404


def test_sending_a_referral_from_the_case(setting):
    response = client_for(setting.world.cw).post(
        url(setting.case),
        {"service_type": "Shelter", "provider": setting.ngo.pk, "urgency": "urgent"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    referral = Referral.objects.get(pk=body["id"])
    assert referral.provider == setting.ngo and referral.urgency == "urgent"
    assert referral.created_by == setting.world.cw
    assert response["Location"] == url(setting.case, referral.pk)
    assert body["may_answer"] is True  # external: the caseworker records its answer


def test_bad_referrals_are_400_with_the_fields(setting):
    client = client_for(setting.world.cw)
    before = Referral.objects.count()
    response = client.post(url(setting.case), {"urgency": "sometime"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "urgency" in body["errors"]
    # A provider of another office is not offered to this case.
    elsewhere = ServiceProvider.objects.create(
        name="Far away", services="x", office=setting.world.other_office
    )
    response = client.post(
        url(setting.case), {"service_type": "x", "provider": elsewhere.pk}, format="json"
    )
    assert response.status_code == 400 and "provider" in response.json()["errors"]
    assert Referral.objects.count() == before


def test_a_case_not_arranging_services_takes_no_referral(setting):
    world = setting.world
    case = allocate(open_case(world.office, world.cw, "Ama", "Intake"), world.sup, world.cw)
    response = client_for(world.cw).post(
        url(case),
        {"service_type": "Shelter", "provider": setting.ngo.pk, "urgency": "routine"},
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert not Referral.objects.filter(case=case).exists()


def test_recording_an_external_providers_answer_then_withdrawing(setting):
    world = setting.world
    [referral] = [
        referral_services.referral_send(
            case=setting.case, actor=world.cw, service_type="Shelter", provider=setting.ngo
        )
    ]
    client = client_for(world.cw)
    answer = url(setting.case, referral.pk, "answer")
    response = client.post(answer, {"action": "decline"}, format="json")
    assert response.status_code == 400 and "comment" in response.json()["errors"]
    response = client.post(answer, {"action": "accept"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    response = client.post(answer, {"action": "accept"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    response = client.post(answer, {"action": "withdraw", "comment": "Moved"}, format="json")
    assert response.status_code == 200 and response.json()["withdraw_reason"] == "Moved"


def test_the_caseworker_cannot_answer_for_an_internal_provider(setting):
    response = client_for(setting.world.cw).post(
        url(setting.case, setting.referral.pk, "answer"), {"action": "accept"}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "not_permitted"
    setting.referral.refresh_from_db()
    assert setting.referral.status == ReferralStatus.SENT


# --- the provider's side -------------------------------------------------------------------


def test_the_providers_staff_list_the_referrals_to_them(setting):
    response = client_for(setting.nurse).get("/api/v1/referrals/to-us/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == setting.referral.pk
    assert row["case"]["reference"] == setting.case.reference
    assert row["case"]["client"] == "Kwame Mensah"
    assert row["answers"] == ["accept", "decline"]
    detail = client_for(setting.nurse).get(f"/api/v1/referrals/to-us/{setting.referral.pk}/")
    assert detail.status_code == 200 and detail.json()["service_type"] == "Health screening"


def test_the_provider_list_costs_the_same_queries_for_more_rows(setting):
    client = client_for(setting.nurse)
    few = queries_for(client, "/api/v1/referrals/to-us/")
    send(setting, 4)
    assert len(client.get("/api/v1/referrals/to-us/").json()["results"]) == 5
    assert queries_for(client, "/api/v1/referrals/to-us/") == few


def test_a_restricted_cases_referral_names_neither_case_nor_client(setting):
    world = setting.world
    send(setting)
    access_services.case_restrict(case=setting.case, actor=world.cw, reason="Safety")
    rows = client_for(setting.nurse).get("/api/v1/referrals/to-us/").json()["results"]
    assert rows and all(
        row["case"]["reference"] is None and row["case"]["client"] is None for row in rows
    )


def test_only_the_providers_staff_see_its_referrals(setting):
    response = client_for(setting.world.cw).get("/api/v1/referrals/to-us/")
    assert response.status_code == 403 and response.json()["code"] == "not_permitted"
    other = make_user(Role.PROVIDER, None, username="other_nurse")
    assert client_for(other).get("/api/v1/referrals/to-us/").json()["results"] == []
    response = client_for(other).get(f"/api/v1/referrals/to-us/{setting.referral.pk}/")
    assert response.status_code == 404
    response = client_for(other).post(
        f"/api/v1/referrals/to-us/{setting.referral.pk}/answer/",
        {"action": "accept"},
        format="json",
    )
    assert response.status_code == 404


def test_the_provider_answers_accept_then_complete(setting):
    client = client_for(setting.nurse)
    answer = f"/api/v1/referrals/to-us/{setting.referral.pk}/answer/"
    response = client.post(answer, {"action": "accept", "comment": "Monday"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "accepted"
    # Answered twice: 409, nothing changes.
    response = client.post(answer, {"action": "accept"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    response = client.post(answer, {"action": "complete"}, format="json")
    assert response.status_code == 400 and "comment" in response.json()["errors"]
    response = client.post(answer, {"action": "complete", "comment": "Screened"}, format="json")
    assert response.status_code == 200 and response.json()["outcome"] == "Screened"
    setting.referral.refresh_from_db()
    assert setting.referral.status == ReferralStatus.COMPLETED
    assert setting.referral.responded_by == setting.nurse


def test_the_provider_declines_once(setting):
    client = client_for(setting.nurse)
    answer = f"/api/v1/referrals/to-us/{setting.referral.pk}/answer/"
    response = client.post(answer, {"action": "withdraw", "comment": "x"}, format="json")
    assert response.status_code == 400 and "action" in response.json()["errors"]
    response = client.post(answer, {"action": "decline", "comment": "Full"}, format="json")
    assert response.status_code == 200 and response.json()["decline_reason"] == "Full"
    response = client.post(answer, {"action": "decline", "comment": "Full"}, format="json")
    assert response.status_code == 409


def test_a_token_without_the_referrals_scope_is_403(setting):
    client = client_for(setting.world.cw, "cases:read cases:write referrals:read")
    response = client.get(url(setting.case))
    assert response.status_code == 200
    response = client.post(url(setting.case), {"service_type": "x"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    response = client_for(setting.nurse, "referrals:write").get("/api/v1/referrals/to-us/")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
