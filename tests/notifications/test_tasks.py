import datetime as dt

import pytest
from django.core import mail

from notifications import delivery as sending
from notifications.models import DeliveryStatus, Event, NotificationPreference
from notifications.outbox import notify
from notifications.tasks import deliver, redispatch_pending

from .conftest import queued_batches
from .test_services import FlakySms  # noqa: F401 - referenced through settings

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _delivery(user, key="k"):
    notification = notify(
        recipient=user,
        event=Event.TASK_ASSIGNED,
        dedupe_key=key,
        case_reference="BEK-2026-000001",
        link="/cases/1/",
    )
    return notification.deliveries.get()


def test_deliver_sends_each_row_of_its_batch(recipient):
    ids = [_delivery(recipient, "a").pk, _delivery(recipient, "b").pk]
    deliver.apply(args=[ids])
    assert len(mail.outbox) == 2
    assert set(recipient.notifications.values_list("deliveries__status", flat=True)) == {
        DeliveryStatus.SENT
    }


def test_deliver_twice_sends_once(recipient):
    delivery = _delivery(recipient)
    deliver.apply(args=[[delivery.pk]])
    deliver.apply(args=[[delivery.pk]])  # a redelivered message
    assert len(mail.outbox) == 1


def test_deliver_retries_a_transient_failure_then_succeeds(recipient, settings, sms_outbox):
    settings.SMS_BACKEND = "tests.notifications.test_services.FlakySms"
    FlakySms.failures = 1
    NotificationPreference.objects.create(
        user=recipient, event=Event.TASK_ASSIGNED, email=False, sms=True
    )
    delivery = _delivery(recipient)

    # Eagerly applied, Celery runs the retry at once instead of after the countdown.
    result = deliver.apply(args=[[delivery.pk]])

    assert result.state == "SUCCESS"
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert len(sms_outbox) == 1


def test_deliver_asks_celery_for_a_retry_with_backoff(recipient, settings):
    settings.SMS_BACKEND = "tests.notifications.test_services.FlakySms"
    settings.NOTIFICATIONS_RETRY_BACKOFF = 30
    FlakySms.failures = 5
    NotificationPreference.objects.create(
        user=recipient, event=Event.TASK_ASSIGNED, email=False, sms=True
    )
    delivery = _delivery(recipient)
    requested = {}

    def fake_retry(*, args, countdown):
        requested.update(args=args, countdown=countdown)
        return RuntimeError("retry requested")

    original = deliver.retry
    deliver.retry = fake_retry
    try:
        with pytest.raises(RuntimeError):
            deliver.run([delivery.pk])
    finally:
        deliver.retry = original
    assert requested["args"] == [[delivery.pk]]
    assert 25 <= requested["countdown"] <= 30


def test_recovery_redispatches_only_rows_pending_past_the_grace_period(
    recipient, broker_queue, settings, time_machine
):
    settings.NOTIFICATIONS_REDISPATCH_AFTER = 120
    time_machine.move_to(START, tick=False)
    stuck = _delivery(recipient, "stuck")  # its enqueue was lost (broker down)
    sent = _delivery(recipient, "sent")
    sending.delivery_attempt(delivery_id=sent.pk)

    time_machine.move_to(START + dt.timedelta(seconds=60), tick=False)
    assert redispatch_pending() == 0
    time_machine.move_to(START + dt.timedelta(seconds=121), tick=False)
    assert redispatch_pending() == 1
    assert queued_batches() == [[stuck.pk]]
    # Claimed: the next sweep a minute later does not enqueue it a second time.
    time_machine.move_to(START + dt.timedelta(seconds=181), tick=False)
    assert redispatch_pending() == 0


def test_recovery_skips_held_and_failed_rows(recipient, broker_queue, time_machine):
    time_machine.move_to(START, tick=False)
    held = _delivery(recipient, "held")
    held.status = DeliveryStatus.HELD
    held.next_attempt_at = None
    held.save()
    time_machine.move_to(START + dt.timedelta(hours=1), tick=False)
    assert redispatch_pending() == 0
    assert queued_batches() == []
