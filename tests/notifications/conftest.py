import base64
import json

import pytest
import redis
from django.conf import settings

from accounts.models import Role
from notifications.backends import sms
from tests.factories import make_user

QUEUE = "celery"


def broker_client():
    return redis.Redis.from_url(settings.REDIS_URL)  # the real broker, even when overridden


def queued_batches() -> list[list[int]]:
    """The delivery-id batches waiting in the real Redis queue, oldest first."""
    batches = []
    for raw in reversed(broker_client().lrange(QUEUE, 0, -1)):
        message = json.loads(raw)
        if message["headers"]["task"] != "notifications.tasks.deliver":
            continue
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        batches.append(args[0])
    return batches


@pytest.fixture
def broker_queue():
    """The real broker queue, emptied before and after the test."""
    client = broker_client()
    client.delete(QUEUE)
    yield client
    client.delete(QUEUE)


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "notifications.backends.sms.LocmemSmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def recipient(office, team):
    return make_user(
        Role.CASEWORKER,
        office,
        team,
        username="ama",
        email="ama@example.org",
        phone="+233200000001",
        first_name="Ama",
    )
