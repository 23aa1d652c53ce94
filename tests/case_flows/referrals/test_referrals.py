"""Service providers and the referral lifecycle: consent rule and supervisor override,
answers by an internal provider's staff or recorded by the caseworker, the answer deadline."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

import case_flows.cases.services as case_services
import case_flows.referrals.services as referral_services
from accounts.models import Role
from case_flows.models import (
    CaseEvent,
    EventKind,
    ProviderKind,
    Referral,
    ReferralStatus,
    ServiceProvider,
    Stage,
)
from case_flows.referrals import services as referrals
from notifications.models import Notification
from tests.steps import allocate, open_task
from workflows.errors import Conflict, NotPermitted, WorkflowError
from workflows.sla.models import SlaClock, SlaEscalation
from workflows.sla.sweep import sla_sweep

from ...factories import make_person, make_user
from .steps import to_referral_stage


@pytest.fixture
def clinic(office):
    return ServiceProvider.objects.create(
        name="District Health Directorate",
        kind=ProviderKind.INTERNAL,
        services="Health screening\nCounselling",
        office=office,
        area="Bekwai",
    )


@pytest.fixture
def ngo(db):
    return ServiceProvider.objects.create(
        name="Hope Shelter", kind=ProviderKind.EXTERNAL, services="Shelter", phone="+233 20 000"
    )


@pytest.fixture
def provider_user(office, clinic):
    user = make_user(Role.PROVIDER, None, username="nurse")
    clinic.members.add(user)
    return user


def response_clock(referral):
    from django.contrib.contenttypes.models import ContentType

    return SlaClock.objects.get(
        subject_type=ContentType.objects.get_for_model(Referral), subject_id=referral.pk
    )


def send(case, actor, provider, **kwargs):
    values = {"service_type": "Counselling", "urgency": "routine"}
    values.update(kwargs)
    return referrals.referral_send(case=case, actor=actor, provider=provider, **values)


def test_directory_page_searches_active_providers(client, caseworker, clinic, ngo):
    ServiceProvider.objects.create(name="Closed Clinic", services="Counselling", is_active=False)
    client.force_login(caseworker)
    body = client.get(reverse("provider_directory"), {"q": "counsel"}).content.decode()
    assert "District Health Directorate" in body
    assert "Hope Shelter" not in body and "Closed Clinic" not in body


def test_directory_is_for_staff_only(client, provider_user):
    client.force_login(provider_user)
    assert client.get(reverse("provider_directory")).status_code == 403


def test_referral_without_consent_is_refused(refused_case, supervisor, caseworker, clinic):
    case = refused_case
    with pytest.raises(WorkflowError, match="not consented"):
        send(case, caseworker, clinic)
    assert not Referral.objects.filter(case=case).exists()
    # A caseworker cannot override the refusal, even with a reason.
    with pytest.raises(NotPermitted):
        send(case, caseworker, clinic, override_reason="Urgent medical need")
    # Consent recorded on the referral itself is enough.
    referral = send(case, caseworker, clinic, consent_recorded=True)
    assert referral.status == ReferralStatus.SENT and not referral.consent_overridden


def test_supervisor_override_is_logged(refused_case, supervisor, caseworker, clinic):
    case = refused_case
    referral = send(case, supervisor, clinic, override_reason="Child's safety at risk")
    assert referral.consent_overridden_by == supervisor
    assert referral.consent_override_reason == "Child's safety at risk"
    event = CaseEvent.objects.get(case=case, transition="referral_consent_override")
    assert event.actor == supervisor and event.comment == "Child's safety at risk"
    assert event.data["consent_override"] is True


def test_refusal_in_the_arrange_task_changes_nothing(refused_case, supervisor, caseworker, clinic):
    case = refused_case
    with pytest.raises(WorkflowError):
        referral_services.referrals_arrange(
            task=open_task(case, "arrange_referrals"),
            actor=caseworker,
            referrals=[{"service_type": "Counselling", "provider": clinic}],
        )
    case.refresh_from_db()
    assert case.stage == Stage.REFERRAL and not Referral.objects.exists()


def test_refusal_on_the_page_shows_the_message(
    client, refused_case, supervisor, caseworker, clinic
):
    case = refused_case
    client.force_login(caseworker)
    response = client.post(
        reverse("case_referrals", args=[case.pk]),
        {"service_type": "Counselling", "provider": clinic.pk, "urgency": "routine"},
    )
    assert response.status_code == 400
    assert "not consented" in response.content.decode()
    assert not Referral.objects.exists()


def test_internal_provider_lifecycle(
    client, referral_case, supervisor, caseworker, clinic, provider_user
):
    case = referral_case
    referral = send(case, caseworker, clinic, urgency="urgent", notes="Confidential notes")
    clock = response_clock(referral)
    assert clock.name == "referral_response_urgent" and clock.policy.target_amount == 1
    # The caseworker cannot answer for an internal provider.
    with pytest.raises(NotPermitted):
        referrals.referral_accept(referral=referral, actor=caseworker)
    client.force_login(provider_user)
    url = reverse("provider_referral", args=[referral.pk])
    assert client.post(url, {"action": "accept"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED and referral.responded_by == provider_user
    clock.refresh_from_db()
    assert clock.status == "met"
    # Completing needs an outcome: said at the field and in the summary at the top.
    response = client.post(url, {"action": "complete"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'class="error-summary"' in body and 'href="#id_comment"' in body
    assert "Say what the outcome was." in body
    client.post(url, {"action": "complete", "comment": "Six counselling sessions held"})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED
    assert referral.outcome == "Six counselling sessions held"
    # One timeline event per change, and the owner is told of each answer.
    transitions = list(
        CaseEvent.objects.filter(case=case, kind=EventKind.REFERRAL)
        .order_by("pk")
        .values_list("transition", flat=True)
    )
    assert transitions == ["referral_sent", "referral_accepted", "referral_completed"]
    events = set(Notification.objects.filter(recipient=caseworker).values_list("event", flat=True))
    assert {"referral_accepted", "referral_completed"} <= events
    # A finished referral cannot change.
    with pytest.raises(Conflict):
        referrals.referral_decline(referral=referral, actor=provider_user, reason="x")


def test_decline_needs_and_keeps_its_reason(referral_case, supervisor, caseworker, ngo):
    case = referral_case
    referral = send(case, caseworker, ngo, service_type="Shelter")
    with pytest.raises(WorkflowError):
        referrals.referral_decline(referral=referral, actor=caseworker, reason=" ")
    # External provider: the caseworker records the answer they received.
    referrals.referral_decline(referral=referral, actor=caseworker, reason="No beds until March")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    assert referral.decline_reason == "No beds until March"
    event = CaseEvent.objects.get(case=case, transition="referral_declined")
    assert event.comment == "No beds until March"


def test_caseworker_records_external_answer_on_the_page(
    client, referral_case, supervisor, caseworker, ngo
):
    case = referral_case
    referral = send(case, caseworker, ngo, service_type="Shelter")
    client.force_login(caseworker)
    page = client.get(reverse("case_referrals", args=[case.pk])).content.decode()
    assert "Hope Shelter" in page
    url = reverse("case_referral_answer", args=[case.pk, referral.pk])
    assert client.post(url, {"action": "withdraw", "comment": "Family moved"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.WITHDRAWN
    assert response_clock(referral).status == "cancelled"


def test_provider_sees_only_their_referrals_and_minimal_data(
    client, office, team, referral_case, supervisor, caseworker, clinic, ngo, provider_user
):
    case = referral_case
    mine = send(case, caseworker, clinic, notes="Father drinks; confidential")
    other_provider = ServiceProvider.objects.create(
        name="Other Dept", kind=ProviderKind.INTERNAL, services="Legal"
    )
    theirs = send(case, caseworker, other_provider, service_type="Legal aid")
    external = send(case, caseworker, ngo, service_type="Shelter")
    client.force_login(provider_user)
    inbox = client.get(reverse("provider_inbox"))
    body = inbox.content.decode()
    assert inbox.status_code == 200
    assert case.reference in body and "Kwame Mensah" in body and "Counselling" in body
    assert "Legal aid" not in body and "Shelter" not in body
    detail = client.get(reverse("provider_referral", args=[mine.pk])).content.decode()
    assert "Counselling" in detail
    assert "Father drinks" not in detail and "neglect" not in detail  # no notes, no intake
    for other in (theirs, external):
        assert client.get(reverse("provider_referral", args=[other.pk])).status_code == 404
    # The case itself and the case pages stay out of reach.
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("case_referrals", args=[case.pk])).status_code == 404


def test_provider_inbox_is_for_provider_staff(client, caseworker):
    client.force_login(caseworker)
    assert client.get(reverse("provider_inbox")).status_code == 403


def test_late_answer_escalates_on_the_case(
    time_machine, referral_case, supervisor, caseworker, clinic
):
    time_machine.move_to(timezone.now(), tick=False)
    case = referral_case
    referral = send(case, caseworker, clinic)
    clock = response_clock(referral)
    assert clock.name == "referral_response" and clock.policy.target_amount == 5
    time_machine.move_to(clock.due_at + datetime.timedelta(hours=1))
    sla_sweep()
    assert SlaEscalation.objects.filter(clock=clock, key="breach").exists()
    assert CaseEvent.objects.filter(
        case=case, kind=EventKind.SLA, data__referral=referral.pk
    ).exists()
    assert Notification.objects.filter(
        recipient=caseworker, event="sla_breach", case_reference=case.reference
    ).exists()


def test_new_referral_from_follow_up(referral_case, supervisor, caseworker, ngo):
    case = referral_case
    referral_services.referrals_arrange(
        task=open_task(case, "arrange_referrals"),
        actor=caseworker,
        referrals=[{"service_type": "Shelter", "provider": ngo}],
    )
    case.refresh_from_db()
    assert case.stage == Stage.FOLLOW_UP
    assert Referral.objects.get(case=case).provider == ngo
    send(case, caseworker, ngo, service_type="Food parcels")
    assert Referral.objects.filter(case=case).count() == 2


def test_no_referral_outside_the_referral_stages(new_case, caseworker, clinic, supervisor):
    allocate(new_case, supervisor, caseworker)
    new_case.refresh_from_db()
    with pytest.raises(Conflict):
        send(new_case, caseworker, clinic)


def test_person_age_is_shown_to_provider(client, office, caseworker, supervisor, clinic, team):
    person = make_person(office, "Ama", "Boateng", date_of_birth=datetime.date(2015, 1, 1))
    from tests.factories import category

    case = case_services.case_open(
        actor=caseworker,
        person=person,
        office=office,
        category=category(),
        risk="low",
        source="walk_in",
        presenting_concerns="x",
    )
    case = to_referral_stage(case, supervisor, caseworker)
    user = make_user(Role.PROVIDER, None, username="prov2")
    clinic.members.add(user)
    send(case, caseworker, clinic)
    client.force_login(user)
    body = client.get(reverse("provider_inbox")).content.decode()
    assert "Ama Boateng" in body and "years" in body


def test_arrange_referrals_task_takes_a_provider_from_the_directory(
    client, referral_case, supervisor, caseworker, ngo
):
    case = referral_case
    task = open_task(case, "arrange_referrals")
    client.force_login(caseworker)
    assert "Hope Shelter" in client.get(reverse("task", args=[task.pk])).content.decode()
    data = {
        "referrals-TOTAL_FORMS": "1",
        "referrals-INITIAL_FORMS": "0",
        "referrals-MIN_NUM_FORMS": "0",
        "referrals-MAX_NUM_FORMS": "30",
        "referrals-0-service_type": "Shelter",
        "referrals-0-provider": str(ngo.pk),
        "referrals-0-urgency": "urgent",
    }
    assert client.post(reverse("task", args=[task.pk]), data).status_code == 302
    referral = Referral.objects.get(case=case)
    assert referral.provider == ngo and referral.provider_name == "Hope Shelter"
    assert response_clock(referral).name == ("referral_response_urgent")
