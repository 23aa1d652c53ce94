"""Webhooks through a real Celery worker and Redis: a receiver that is down, then up, gets
each event exactly once, signed, even when the messages are delivered twice."""

import pytest
from django.db import transaction

import case_flows.cases.services as case_services
from accounts.models import Role
from notifications import webhooks
from notifications.dispatch import enqueue_deliveries
from notifications.models import Delivery, DeliveryStatus, WebhookEvent
from notifications.tasks import redispatch_pending
from tests.factories import category, make_person, make_user

from .conftest import broker_client
from .test_tasks_worker import sms_file, start_worker, wait_for  # noqa: F401 - fixtures
from .webhook_receiver import Receiver, free_port

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _drained() -> bool:
    client = broker_client()
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


def test_a_receiver_down_then_up_receives_each_event_once(
    office,
    team,
    caseworker,
    start_worker,  # noqa: F811 - the fixture imported above
    settings,
):
    admin = make_user(Role.ADMINISTRATOR, office, username="officeadmin")
    port = free_port()  # nothing listens here yet: the receiver is down
    endpoint, secret = webhooks.webhook_endpoint_create(
        actor=admin,
        office=office,
        url=f"http://127.0.0.1:{port}/hooks/caseflow",
        description="",
        events=["case_opened"],
    )
    start_worker(
        NOTIFICATIONS_RETRY_BACKOFF="1",
        NOTIFICATIONS_RETRY_BACKOFF_MAX="1",
        WEBHOOK_MAX_ATTEMPTS="100",
    )
    with transaction.atomic():
        for n in range(3):
            case_services.case_open(
                actor=caseworker,
                person=make_person(office, "Esi", f"Quaye{n}"),
                office=office,
                category=category(),
                risk="medium",
                source="walk_in",
                presenting_concerns="Family without income.",
                team=team,
            )
    ids = list(Delivery.objects.filter(endpoint=endpoint).values_list("pk", flat=True))
    assert len(ids) == 3

    # Down: every delivery is tried and waits for its retry, none is lost or failed.
    assert wait_for(lambda: all(d.attempts >= 2 for d in Delivery.objects.filter(pk__in=ids)))
    assert not Delivery.objects.filter(pk__in=ids).exclude(status=DeliveryStatus.PENDING).exists()

    with Receiver(secret=secret, port=port) as receiver:
        assert wait_for(
            lambda: Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENT).count() == 3
        )
        # The same messages again (a redelivery after a lost acknowledgement, the recovery
        # sweep): nothing is sent twice.
        settings.NOTIFICATIONS_REDISPATCH_AFTER = 0
        enqueue_deliveries(ids)
        redispatch_pending()
        assert wait_for(_drained)

    assert len(receiver.requests) == 3
    assert all(request["verified"] for request in receiver.requests)
    sent_ids = sorted(event["id"] for event in receiver.events)
    assert sent_ids == sorted(
        str(uid) for uid in WebhookEvent.objects.values_list("uid", flat=True)
    )
    assert len(set(sent_ids)) == 3
    assert {event["event"] for event in receiver.events} == {"case_opened"}
