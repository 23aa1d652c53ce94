"""Webhooks through the outbox: endpoints, events written in the caller's transaction, signed
delivery to a real local receiver, retries with backoff, failure after N tries, the retry."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from notifications import delivery as sending
from notifications import webhooks
from notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
from notifications.outbox import history_replay
from notifications.webhooks import WebhookError, WebhookRequest, webhooks_emit
from tests.factories import make_office, make_user

from .webhook_receiver import Receiver, free_port

ALL_EVENTS = webhooks.SUBSCRIBABLE_EVENTS


@pytest.fixture
def admin(office):
    return make_user(Role.ADMINISTRATOR, office, username="officeadmin")


def _endpoint(admin, office, url="https://hooks.example.org/in", events=ALL_EVENTS):
    endpoint, _secret = webhooks.webhook_endpoint_create(
        actor=admin, office=office, url=url, description="Reporting", events=events
    )
    return endpoint


def _request(office, *, event=WebhookEventType.STAGE_CHANGED, key="caseevent:1", **data):
    return WebhookRequest(
        office_id=office.pk,
        event=event,
        source_key=key,
        occurred_at=timezone.now(),
        case_id=7,
        case_reference="BEK-2026-000007",
        data=data or {"from_stage": "intake", "to_stage": "assessment"},
    )


# --- endpoints -----------------------------------------------------------------------------------


def test_an_administrator_registers_an_endpoint_with_a_secret_of_its_own(admin, office):
    endpoint, secret = webhooks.webhook_endpoint_create(
        actor=admin,
        office=office,
        url=" https://hooks.example.org/in ",
        description="  Reporting system ",
        events=["case_closed", "case_opened"],
    )
    endpoint.refresh_from_db()
    assert secret.startswith("whsec_") and len(secret) > 40
    assert endpoint.secret == secret  # kept so that it can sign
    assert endpoint.url == "https://hooks.example.org/in"
    assert endpoint.description == "Reporting system"
    assert endpoint.events == ["case_opened", "case_closed"]  # the catalogue's order
    assert (endpoint.office, endpoint.created_by, endpoint.is_active) == (office, admin, True)
    _other, other_secret = webhooks.webhook_endpoint_create(
        actor=admin, office=office, url="https://b.example.org/", description="", events=ALL_EVENTS
    )
    assert other_secret != secret


@pytest.mark.parametrize(
    ("url", "events", "field"),
    [
        ("https://169.254.169.254/", ["case_opened"], "url"),
        ("https://u:p@hooks.example.org/", ["case_opened"], "url"),
        ("https://hooks.example.org/", [], "events"),
        ("https://hooks.example.org/", ["ping"], "events"),
        ("https://hooks.example.org/", ["case_opened", "everything"], "events"),
    ],
)
def test_a_refused_endpoint_is_not_saved(admin, office, url, events, field):
    with pytest.raises(WebhookError) as refused:
        webhooks.webhook_endpoint_create(
            actor=admin, office=office, url=url, description="", events=events
        )
    assert refused.value.field == field
    assert not WebhookEndpoint.objects.exists()


def test_only_an_administrator_of_the_office_manages_its_endpoints(
    admin, office, other_office, caseworker, manager
):
    for actor in (caseworker, manager):
        with pytest.raises(PermissionDenied):
            _endpoint(actor, office)
    with pytest.raises(PermissionDenied):
        _endpoint(admin, other_office)
    endpoint = _endpoint(admin, office)
    other_admin = make_user(Role.ADMINISTRATOR, other_office, username="administrator")
    with pytest.raises(PermissionDenied):
        webhooks.webhook_endpoint_rotate_secret(actor=other_admin, endpoint=endpoint)
    assert webhooks.may_manage_webhooks(admin)
    assert not webhooks.may_manage_webhooks(caseworker)


def test_rotating_makes_a_new_secret_and_signs_with_the_old_one_for_a_while(
    admin, office, settings
):
    settings.WEBHOOK_SECRET_OVERLAP_HOURS = 24
    endpoint = _endpoint(admin, office)
    old = endpoint.secret
    new = webhooks.webhook_endpoint_rotate_secret(actor=admin, endpoint=endpoint)
    endpoint.refresh_from_db()
    assert new != old and endpoint.secret == new
    now = timezone.now()
    assert sending.webhook_secrets(endpoint, now=now) == [new, old]
    assert sending.webhook_secrets(endpoint, now=now + timedelta(hours=25)) == [new]


# --- events in the caller's transaction ----------------------------------------------------------


def test_no_endpoint_costs_one_query_and_writes_nothing(office, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert webhooks_emit([_request(office)]) == 0
    assert not WebhookEvent.objects.exists()


def test_one_event_and_one_outbox_row_per_subscribed_endpoint(
    admin, office, other_office, django_capture_on_commit_callbacks
):
    first = _endpoint(admin, office)
    second = _endpoint(admin, office, url="https://b.example.org/in", events=["stage_changed"])
    _endpoint(admin, office, url="https://c.example.org/in", events=["case_opened"])
    webhooks.webhook_endpoint_set_active(
        actor=admin,
        endpoint=_endpoint(admin, office, url="https://d.example.org/in"),
        active=False,
    )
    superuser = make_user(None, None, username="root", is_superuser=True)
    _endpoint(superuser, other_office)  # another office's endpoint hears nothing of ours

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        assert webhooks_emit([_request(office)]) == 2
    event = WebhookEvent.objects.get()
    assert event.payload == {
        "id": str(event.uid),
        "event": "stage_changed",
        "occurred_at": event.occurred_at.isoformat(),
        "office": "BEK",
        "case": {"id": 7, "reference": "BEK-2026-000007"},
        "data": {"from_stage": "intake", "to_stage": "assessment"},
    }
    rows = Delivery.objects.filter(webhook_event=event)
    assert {row.endpoint_id for row in rows} == {first.pk, second.pk}
    assert {(row.channel, row.status, row.notification_id) for row in rows} == {
        (Channel.WEBHOOK, DeliveryStatus.PENDING, None)
    }
    assert len(callbacks) == 1  # Celery gets them after commit


def test_a_rolled_back_change_writes_and_sends_nothing(
    admin, office, django_capture_on_commit_callbacks
):
    _endpoint(admin, office)
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            webhooks_emit([_request(office)])
            raise RuntimeError("the business change failed")
    assert not WebhookEvent.objects.exists()
    assert not Delivery.objects.exists()
    assert callbacks == []


def test_the_same_change_twice_is_one_event(admin, office):
    _endpoint(admin, office)
    assert webhooks_emit([_request(office, key="caseevent:9:stage_changed:1")]) == 1
    assert webhooks_emit([_request(office, key="caseevent:9:stage_changed:1")]) == 0
    assert WebhookEvent.objects.count() == 1
    assert Delivery.objects.count() == 1


def test_free_text_cannot_get_into_a_payload(admin, office):
    _endpoint(admin, office)
    with pytest.raises(ValueError, match="free text"):
        webhooks_emit([_request(office, note="Child out of school")])
    with pytest.raises(ValueError, match="free text"):
        webhooks_emit([_request(office, nested={"reason": "She said no"})])
    assert not WebhookEvent.objects.exists()


def test_history_being_replayed_is_not_news(admin, office):
    _endpoint(admin, office)
    with history_replay():
        assert webhooks_emit([_request(office)]) == 0
    assert not WebhookEvent.objects.exists()


# --- delivery through the outbox -----------------------------------------------------------------


def _emit_one(office, **kwargs) -> Delivery:
    webhooks_emit([_request(office, **kwargs)])
    return Delivery.objects.select_related("webhook_event").latest("pk")


def test_a_delivery_is_posted_signed_with_its_id_and_event(admin, office):
    with Receiver() as receiver:
        endpoint = _endpoint(admin, office, url=receiver.url)
        receiver.secret = endpoint.secret
        delivery = _emit_one(office)
        assert sending.delivery_attempt(delivery_id=delivery.pk)[0] == sending.SENT
    [request] = receiver.requests
    assert request["verified"]
    event = delivery.webhook_event
    assert request["headers"]["Caseflow-Event"] == "stage_changed"
    assert request["headers"]["Caseflow-Delivery"] == str(event.uid)
    assert json.loads(request["body"]) == event.payload
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code, delivery.attempts) == ("sent", 200, 0)
    assert delivery.last_attempt_at is not None and delivery.sent_at is not None


def test_a_failing_receiver_is_retried_with_backoff_then_the_delivery_fails(
    admin, office, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.NOTIFICATIONS_RETRY_BACKOFF = 30
    with Receiver(answers=[500, 503, 500]) as receiver:
        endpoint = _endpoint(admin, office, url=receiver.url)
        delivery = _emit_one(office)
        before = timezone.now()
        outcome, next_at = sending.delivery_attempt(delivery_id=delivery.pk)
        assert outcome == sending.RETRY
        assert next_at >= before + timedelta(seconds=30)
        delivery.refresh_from_db()
        assert (delivery.attempts, delivery.last_status_code) == (1, 500)
        assert "HTTP 500" in delivery.last_error
        outcome, next_at = sending.delivery_attempt(delivery_id=delivery.pk)
        assert outcome == sending.RETRY
        assert next_at >= timezone.now() + timedelta(seconds=59)  # 30 s, then 60 s
        assert sending.delivery_attempt(delivery_id=delivery.pk)[0] == sending.FAILED
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            "failed",
            3,
            500,
        )
        # A failed row is never sent again by a stray message.
        assert sending.delivery_attempt(delivery_id=delivery.pk)[0] == sending.SKIPPED

        # The administrator retries it from the endpoint's page once the receiver works.
        assert (
            webhooks.webhook_deliveries_retry(
                actor=admin, endpoint=endpoint, delivery_ids=[delivery.pk]
            )
            == 1
        )
        assert sending.delivery_attempt(delivery_id=delivery.pk)[0] == sending.SENT
    assert len(receiver.requests) == 4


def test_a_receiver_that_was_down_then_up_gets_each_event_once(admin, office):
    port = free_port()
    endpoint = _endpoint(admin, office, url=f"http://127.0.0.1:{port}/hooks/caseflow")
    deliveries = [_emit_one(office, key=f"caseevent:{n}") for n in range(3)]
    for delivery in deliveries:  # down: nothing listens on the port
        assert sending.delivery_attempt(delivery_id=delivery.pk)[0] == sending.RETRY
    with Receiver(secret=endpoint.secret, port=port) as receiver:
        for delivery in deliveries:  # the retries
            assert sending.delivery_attempt(delivery_id=delivery.pk)[0] == sending.SENT
        for delivery in deliveries:  # a redelivered message sends nothing twice
            assert sending.delivery_attempt(delivery_id=delivery.pk)[0] == sending.SKIPPED
    assert len(receiver.requests) == 3
    assert all(request["verified"] for request in receiver.requests)
    assert sorted(event["id"] for event in receiver.events) == sorted(
        str(d.webhook_event.uid) for d in deliveries
    )


def test_a_deactivated_endpoint_gets_no_new_event_and_its_waiting_ones_fail(admin, office):
    with Receiver() as receiver:
        endpoint = _endpoint(admin, office, url=receiver.url)
        waiting = _emit_one(office)
        webhooks.webhook_endpoint_set_active(actor=admin, endpoint=endpoint, active=False)
        assert webhooks_emit([_request(office, key="caseevent:2")]) == 0
        assert sending.delivery_attempt(delivery_id=waiting.pk)[0] == sending.FAILED
        with pytest.raises(WebhookError):
            webhooks.webhook_ping(actor=admin, endpoint=endpoint)
    waiting.refresh_from_db()
    assert waiting.last_error == "The endpoint is deactivated."
    assert receiver.requests == []


def test_a_ping_goes_to_that_endpoint_alone(admin, office):
    with Receiver() as receiver:
        endpoint = _endpoint(admin, office, url=receiver.url)
        _endpoint(admin, office, url="https://other.example.org/")
        receiver.secret = endpoint.secret
        delivery = webhooks.webhook_ping(actor=admin, endpoint=endpoint)
        assert sending.delivery_attempt(delivery_id=delivery.pk)[0] == sending.SENT
    assert Delivery.objects.count() == 1
    [event] = receiver.events
    assert event["event"] == "ping"
    assert event["case"] is None
    assert event["data"] == {"endpoint": endpoint.pk}


def test_the_retry_of_another_endpoint_s_delivery_does_nothing(admin, office):
    first = _endpoint(admin, office)
    second = _endpoint(admin, office, url="https://b.example.org/")
    webhooks_emit([_request(office)])
    Delivery.objects.update(status=DeliveryStatus.FAILED)
    theirs = Delivery.objects.get(endpoint=second)
    assert (
        webhooks.webhook_deliveries_retry(actor=admin, endpoint=first, delivery_ids=[theirs.pk])
        == 0
    )
    assert webhooks.webhook_deliveries_retry(actor=admin, endpoint=first) == 1
    theirs.refresh_from_db()
    assert theirs.status == DeliveryStatus.FAILED


def test_an_endpoint_list_and_its_deliveries_are_one_query_each(
    admin, office, django_assert_num_queries
):
    for n in range(3):
        _endpoint(admin, office, url=f"https://h{n}.example.org/")
    for n in range(5):
        webhooks_emit([_request(office, key=f"caseevent:{n}")])
    endpoint = WebhookEndpoint.objects.first()
    with django_assert_num_queries(1):
        endpoints = webhooks.webhook_endpoints_of_office(office)
        assert [e.pending_count for e in endpoints] == [5, 5, 5]
    with django_assert_num_queries(1):
        recent = webhooks.webhook_deliveries_recent(endpoint)
        assert {d.webhook_event.event for d in recent} == {"stage_changed"}
    assert len(recent) == 5


def test_an_office_code_not_an_id_names_the_office(admin):
    office = make_office("MOPS1", name="Elsewhere")
    admin.home_office = office
    admin.save(update_fields=["home_office"])
    _endpoint(admin, office)
    webhooks_emit([_request(office)])
    assert WebhookEvent.objects.get().payload["office"] == "MOPS1"
