"""Hand outbox rows to Celery; never raises, since the rows are safe in PostgreSQL anyway."""

import logging

from celery import current_app
from django.conf import settings

logger = logging.getLogger(__name__)

# Fail fast when the broker is down: the recovery sweep sends these rows later.
PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}


def chunks(ids: list[int], size: int):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# By name, so the outbox does not import the tasks (which import the digest, which writes
# through the outbox): the task is notifications.tasks.deliver.
DELIVER_TASK = "notifications.tasks.deliver"


def enqueue_deliveries(delivery_ids: list[int]) -> int:
    """Publish the ids in batches (one Celery message per batch); returns messages published."""
    if not delivery_ids:
        return 0
    published = 0
    try:
        # The connection is opened from the settings at call time (not the app's cached
        # pool), so the broker URL in force is the one in settings.
        with current_app.connection_for_write(settings.CELERY_BROKER_URL) as connection:
            for batch in chunks(list(delivery_ids), settings.NOTIFICATIONS_BATCH_SIZE):
                current_app.send_task(
                    DELIVER_TASK,
                    args=[batch],
                    connection=connection,
                    retry=True,
                    retry_policy=PUBLISH_RETRY_POLICY,
                )
                published += 1
    except Exception:  # noqa: BLE001 - a broker outage must never break the caller
        logger.warning(
            "Could not enqueue %d deliveries; the recovery sweep will send them",
            len(delivery_ids),
            exc_info=True,
        )
    return published
