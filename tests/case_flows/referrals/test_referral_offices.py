"""Every path that creates a referral refuses a provider the case's office is not offered (a
provider of another office or another country): the case-page form, the arrange-services
task form, a new referral while following up, and the services under them. The foreign
provider's staff then never see the case."""

import pytest
from django.urls import reverse

import case_flows.referrals.services as referral_services
from accounts.models import Role
from case_flows.models import ProviderKind, Referral, ServiceProvider, Stage
from tests.steps import open_task

from ...factories import make_office, make_user

REFUSAL = "does not serve this case"


@pytest.fixture
def crisis_point(other_office):
    """The Polish crisis point: an internal provider of the Sochaczew office."""
    return ServiceProvider.objects.create(
        name="Punkt Interwencji Kryzysowej",
        kind=ProviderKind.INTERNAL,
        services="Crisis counselling",
        office=other_office,
    )


@pytest.fixture
def kumasi_clinic(db):
    """Same country (Ghana), another office."""
    return ServiceProvider.objects.create(
        name="Kumasi Clinic", services="Counselling", office=make_office("KSI", name="Kumasi")
    )


@pytest.fixture
def crisis_staff(crisis_point):
    user = make_user(Role.PROVIDER, None, username="pik")
    crisis_point.members.add(user)
    return user


def task_post(provider, service="Crisis counselling"):
    return {
        "referrals-TOTAL_FORMS": "1",
        "referrals-INITIAL_FORMS": "0",
        "referrals-MIN_NUM_FORMS": "0",
        "referrals-MAX_NUM_FORMS": "30",
        "referrals-0-service_type": service,
        "referrals-0-provider": str(provider.pk),
        "referrals-0-urgency": "routine",
    }


def assert_case_unseen(client, user, case):
    client.force_login(user)
    inbox = client.get(reverse("provider_inbox")).content.decode()
    assert case.reference not in inbox
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404


def test_arrange_task_refuses_a_provider_of_another_office(
    client, referral_case, supervisor, caseworker, crisis_point, kumasi_clinic, crisis_staff
):
    case = referral_case
    task = open_task(case, "arrange_referrals")
    client.force_login(caseworker)
    page = client.get(reverse("task", args=[task.pk])).content.decode()
    assert "Punkt Interwencji" not in page and "Kumasi Clinic" not in page
    for foreign in (crisis_point, kumasi_clinic):
        # The form: the choice is not offered, so it is refused (400), the task stays open.
        response = client.post(reverse("task", args=[task.pk]), task_post(foreign))
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
        # The service under it refuses too, whoever calls it.
        with pytest.raises(referral_services.ReferralError, match=REFUSAL):
            referral_services.referrals_arrange(
                task=open_task(case, "arrange_referrals"),
                actor=caseworker,
                referrals=[{"service_type": "Counselling", "provider": foreign}],
            )
    assert not Referral.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert case.stage == Stage.REFERRAL
    assert_case_unseen(client, crisis_staff, case)


def test_case_page_and_follow_up_refuse_a_provider_of_another_office(
    client, referral_case, supervisor, caseworker, crisis_point, kumasi_clinic, crisis_staff
):
    case = referral_case
    url = reverse("case_referrals", args=[case.pk])
    client.force_login(caseworker)
    for stage in (Stage.REFERRAL, Stage.FOLLOW_UP):
        if stage == Stage.FOLLOW_UP:
            referral_services.referrals_arrange(
                task=open_task(case, "arrange_referrals"),
                actor=caseworker,
                referrals=[],
                none_needed=True,
            )
            case.refresh_from_db()
            assert case.stage == Stage.FOLLOW_UP
        page = client.get(url).content.decode()
        assert "Punkt Interwencji" not in page and "Kumasi Clinic" not in page
        for foreign in (crisis_point, kumasi_clinic):
            post = {"service_type": "Counselling", "provider": foreign.pk, "urgency": "routine"}
            assert client.post(url, post).status_code == 400
            with pytest.raises(referral_services.ReferralError, match=REFUSAL):
                referral_services.referral_send(
                    case=case, actor=caseworker, provider=foreign, service_type="Counselling"
                )
    assert not Referral.objects.filter(case=case).exists()
    assert_case_unseen(client, crisis_staff, case)


def test_providers_of_the_office_and_of_every_office_are_still_offered(
    referral_case, supervisor, caseworker, office
):
    case = referral_case
    own = ServiceProvider.objects.create(name="Bekwai Clinic", services="x", office=office)
    everywhere = ServiceProvider.objects.create(name="National Helpline", services="x")
    for provider in (own, everywhere):
        referral_services.referral_send(
            case=case, actor=caseworker, provider=provider, service_type="Counselling"
        )
    assert Referral.objects.filter(case=case).count() == 2
