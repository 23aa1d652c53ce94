"""The lists added with referrals and transfers load in a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

import case_flows.cases.services as case_services
from accounts.models import Role
from case_flows.models import ProviderKind, ServiceProvider
from case_flows.referrals import services as referrals
from case_flows.transfers import services as transfers
from tests.factories import category, make_person, make_team, make_user
from tests.steps import allocate


def queries_for(client, url) -> int:
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def open_cases(n, office, supervisor, caseworker):
    cases = []
    for i in range(n):
        case = case_services.case_open(
            actor=caseworker,
            person=make_person(office, "Ama", f"Mensah{i}"),
            office=office,
            category=category(),
            risk="medium",
            source="walk_in",
            presenting_concerns="x",
            consent_to_share=True,
        )
        allocate(case, supervisor, caseworker)
        cases.append(case)
    return cases


def test_provider_directory_query_count_is_constant(client, office, caseworker):
    client.force_login(caseworker)
    for i in range(3):
        ServiceProvider.objects.create(name=f"Clinic {i}", services="Health", office=office)
    few = queries_for(client, reverse("provider_directory"))
    for i in range(3, 20):
        ServiceProvider.objects.create(name=f"Clinic {i}", services="Health", office=office)
    assert queries_for(client, reverse("provider_directory")) == few


def test_referrals_to_us_query_count_is_constant(client, office, supervisor, caseworker):
    clinic = ServiceProvider.objects.create(
        name="Clinic", kind=ProviderKind.INTERNAL, services="Health", office=office
    )
    nurse = make_user(Role.PROVIDER, None, username="nurse")
    clinic.members.add(nurse)
    client.force_login(nurse)
    cases = open_cases(8, office, supervisor, caseworker)

    def refer(some):
        for case in some:
            referrals.referral_create(
                case=case,
                actor=caseworker,
                service_type="Health",
                provider=clinic,
                consent_recorded=True,
            )

    refer(cases[:2])
    few = queries_for(client, reverse("provider_inbox"))
    refer(cases[2:])
    assert queries_for(client, reverse("provider_inbox")) == few


def test_incoming_transfers_query_count_is_constant(
    client, office, other_office, supervisor, caseworker
):
    receiving = make_user(Role.SUPERVISOR, other_office, username="koord")
    make_team(other_office, supervisor=receiving, name="Zespół")
    client.force_login(receiving)
    cases = open_cases(8, office, supervisor, caseworker)

    def request(some):
        for case in some:
            transfers.transfer_request(
                case=case, actor=supervisor, to_office=other_office, reason="Family moved"
            )

    request(cases[:2])
    few = queries_for(client, reverse("transfers_incoming"))
    request(cases[2:])
    assert queries_for(client, reverse("transfers_incoming")) == few


@pytest.mark.parametrize("zone", ["Europe/Warsaw", "Africa/Accra"])
def test_pages_run_in_the_users_office_timezone(rf, office, zone):
    """The middleware activates the office's time zone for the request, then resets it."""
    from django.utils import timezone

    from accounts.middleware import UserPreferencesMiddleware

    office.timezone = zone
    office.save()
    user = make_user(Role.CASEWORKER, office)
    seen = {}

    def view(request):
        seen["zone"] = timezone.get_current_timezone_name()
        return None

    request = rf.get("/")
    request.user = user
    UserPreferencesMiddleware(view)(request)
    assert seen["zone"] == zone
    assert timezone.get_current_timezone_name() == "UTC"
