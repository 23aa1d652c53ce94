"""Celery tasks: deliver outbox rows, re-dispatch what is still pending, send daily digests."""

import logging

from celery import shared_task
from django.utils import timezone

from . import delivery
from .digest import daily_digests_send
from .dispatch import enqueue_deliveries

logger = logging.getLogger(__name__)


# Safe to run twice: delivery_attempt locks each row (skip_locked) and sends only PENDING rows.
@shared_task(
    bind=True,
    name="notifications.tasks.deliver",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # the row's attempt counter decides when to give up
    ignore_result=True,
)
def deliver(self, delivery_ids: list[int]) -> dict:
    outcomes: dict[str, int] = {}
    to_retry, next_times = [], []
    for delivery_id in delivery_ids:
        outcome, next_at = delivery.delivery_attempt(delivery_id=delivery_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcome == delivery.RETRY and next_at is not None:
            to_retry.append(delivery_id)
            next_times.append(next_at)
    if to_retry:
        countdown = max((min(next_times) - timezone.now()).total_seconds(), 0)
        # If this publish fails the rows stay pending and the recovery sweep takes them.
        raise self.retry(args=[to_retry], countdown=countdown)
    return outcomes


@shared_task(name="notifications.tasks.redispatch_pending", ignore_result=True)
def redispatch_pending() -> int:
    """Recovery: re-enqueue rows still pending (broker was down, worker killed, retry lost)."""
    ids = delivery.deliveries_due_claim()
    if not ids:
        return 0
    logger.info("Re-dispatching %d pending deliveries", len(ids))
    return len(ids) if enqueue_deliveries(ids) else 0


@shared_task(name="notifications.tasks.send_daily_digests", ignore_result=True)
def send_daily_digests() -> int:
    # Idempotent: each digest has the dedupe key digest:<user>:<local date>.
    return daily_digests_send(now=timezone.now())
