import datetime as dt

import pytest
from django.core import mail

from accounts.models import Role
from notifications import delivery as sending
from notifications.digest import (
    DigestSection,
    daily_digests_send,
    digest_send,
    register_digest_section,
    unregister_digest_section,
)
from notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Event,
    Frequency,
    Notification,
    NotificationPreference,
)
from notifications.outbox import notify
from notifications.rendering import in_app_text
from notifications.tasks import send_daily_digests
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# 07:05 in Accra (UTC+0) and 08:05 in Warsaw (UTC+1) on a winter day.
SEVEN_IN_ACCRA = dt.datetime(2026, 1, 14, 7, 5, tzinfo=dt.UTC)


@pytest.fixture
def overdue_section():
    def provider(user):
        if not user.has_role(Role.SUPERVISOR):
            return []
        return DigestSection(
            title="Overdue in your team", lines=["3 tasks overdue"], link="/tasks/overdue/"
        )

    register_digest_section("test-overdue", provider)
    yield provider
    unregister_digest_section("test-overdue")


def _held(user, key, reference):
    NotificationPreference.objects.update_or_create(
        user=user, event=Event.REFERRAL_COMPLETED, defaults={"frequency": Frequency.DIGEST}
    )
    return notify(
        recipient=user,
        event=Event.REFERRAL_COMPLETED,
        dedupe_key=key,
        case_reference=reference,
        link=f"/cases/{reference}/",
        params={"service": "Sensitive clinic name"},
    )


def test_digest_combines_held_notifications_and_registered_sections(
    supervisor, overdue_section, time_machine
):
    time_machine.move_to(SEVEN_IN_ACCRA, tick=False)
    supervisor.email = "sup@example.org"
    supervisor.save()
    _held(supervisor, "r1", "BEK-2026-000001")
    _held(supervisor, "r2", "BEK-2026-000002")
    assert mail.outbox == []  # held, not sent

    digest = digest_send(user=supervisor, local_date=dt.date(2026, 1, 14))

    assert digest.event == Event.DAILY_DIGEST
    assert digest.dedupe_key == f"digest:{supervisor.pk}:2026-01-14"
    assert [item["reference"] for item in digest.params["items"]] == [
        "BEK-2026-000001",
        "BEK-2026-000002",
    ]
    assert digest.params["sections"][0]["lines"] == ["3 tasks overdue"]
    assert in_app_text(digest) == "Your daily digest (held notifications: 2)."
    assert set(Delivery.objects.filter(digest=digest).values_list("status", flat=True)) == {
        DeliveryStatus.DIGESTED
    }
    delivery = digest.deliveries.get(channel=Channel.EMAIL)
    sending.delivery_attempt(delivery_id=delivery.pk)
    [message] = mail.outbox
    assert "BEK-2026-000001" in message.body and "BEK-2026-000002" in message.body
    assert "3 tasks overdue" in message.body and "Overdue in your team" in message.body
    assert "Sensitive clinic name" not in message.body


def test_digest_is_sent_once_a_day(supervisor, overdue_section):
    day = dt.date(2026, 1, 14)
    assert digest_send(user=supervisor, local_date=day) is not None
    assert digest_send(user=supervisor, local_date=day) is None
    assert digest_send(user=supervisor, local_date=day + dt.timedelta(days=1)) is not None


def test_no_digest_when_there_is_nothing_to_say(supervisor):
    assert digest_send(user=supervisor, local_date=dt.date(2026, 1, 14)) is None
    assert not Notification.objects.exists()


def test_a_broken_section_does_not_stop_the_digest(supervisor, overdue_section):
    def broken(user):
        raise RuntimeError("boom")

    register_digest_section("test-broken", broken)
    try:
        digest = digest_send(user=supervisor, local_date=dt.date(2026, 1, 14))
    finally:
        unregister_digest_section("test-broken")
    assert [s["key"] for s in digest.params["sections"]] == ["test-overdue"]


def test_beat_sends_at_the_local_digest_hour_and_is_idempotent(
    supervisor, other_office, caseworker, overdue_section, time_machine, settings
):
    settings.NOTIFICATIONS_DIGEST_HOUR = 7
    polish_supervisor = make_user(Role.SUPERVISOR, other_office, username="kierownik")
    caseworker.email = "cw@example.org"
    caseworker.save()
    _held(caseworker, "cw-held", "BEK-2026-000009")  # a caseworker gets one if something is held
    make_user(Role.CASEWORKER, supervisor.home_office, username="idle")  # nothing held: none

    time_machine.move_to(SEVEN_IN_ACCRA, tick=False)
    assert send_daily_digests() == 2
    assert send_daily_digests() == 0  # the same hour again (a redelivered beat)
    recipients = set(
        Notification.objects.filter(event=Event.DAILY_DIGEST).values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"sup", "cw"}

    # Warsaw reaches 07:00 local at 06:00 UTC the next day.
    time_machine.move_to(dt.datetime(2026, 1, 15, 6, 5, tzinfo=dt.UTC), tick=False)
    assert daily_digests_send(now=dt.datetime(2026, 1, 15, 6, 5, tzinfo=dt.UTC)) == 1
    assert Notification.objects.filter(
        event=Event.DAILY_DIGEST, recipient=polish_supervisor
    ).exists()
