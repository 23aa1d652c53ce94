import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from notifications import delivery as sending
from notifications import services
from notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Event,
    Frequency,
    Notification,
    NotificationPreference,
)
from notifications.outbox import NotificationRequest, notify, notify_bulk
from notifications.preferences import ChannelChoice
from tests.factories import make_user

from .conftest import queued_batches

pytestmark = pytest.mark.django_db


def _notify(user, key="k1", event=Event.TASK_ASSIGNED, **kwargs):
    return notify(
        recipient=user,
        event=event,
        dedupe_key=key,
        case_reference=kwargs.pop("case_reference", "BEK-2026-000123"),
        link=kwargs.pop("link", "/cases/123/"),
        params=kwargs.pop("params", {"task": "Assess household"}),
        **kwargs,
    )


def test_notify_writes_the_in_app_row_and_one_outbox_row_per_channel(recipient, supervisor):
    notification = _notify(recipient, event=Event.SLA_BREACH, actor=supervisor)

    assert notification.recipient == recipient and notification.actor == supervisor
    # Caseworker defaults: a missed deadline goes by e-mail and SMS, at once.
    assert sorted(notification.deliveries.values_list("channel", "status")) == [
        (Channel.EMAIL, DeliveryStatus.PENDING),
        (Channel.SMS, DeliveryStatus.PENDING),
    ]


def test_the_same_event_twice_gives_one_notification_and_one_message(
    recipient, broker_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify(recipient, key="task:1:assigned:7")
        second = _notify(recipient, key="task:1:assigned:7")

    assert first is not None and second is None
    assert Notification.objects.filter(dedupe_key="task:1:assigned:7").count() == 1
    assert Delivery.objects.count() == 1
    assert queued_batches() == [[first.deliveries.get().pk]]


def test_delivery_is_enqueued_only_after_commit(recipient, broker_queue):
    with transaction.atomic():
        _notify(recipient)
        assert queued_batches() == []
    # The test transaction never commits, so nothing may be published.
    assert queued_batches() == []


def test_enqueue_failure_never_breaks_the_business_transaction(
    recipient, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            recipient.first_name = "Abena"
            recipient.save(update_fields=["first_name"])
            notification = _notify(recipient)

    recipient.refresh_from_db()
    assert recipient.first_name == "Abena"
    assert notification.deliveries.get().status == DeliveryStatus.PENDING


def test_notify_bulk_uses_a_constant_number_of_queries_and_few_messages(
    office, team, broker_queue, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_BATCH_SIZE = 50
    users = [make_user(Role.CASEWORKER, office, team, email=f"u{i}@x.org") for i in range(120)]

    def requests(prefix, count):
        return [
            NotificationRequest(
                recipient_id=users[i].pk,
                event=Event.SLA_WARNING,
                dedupe_key=f"{prefix}:{i}",
                case_reference=f"BEK-2026-{i:06d}",
                link=f"/cases/{i}/",
            )
            for i in range(count)
        ]

    with CaptureQueriesContext(connection) as small:
        assert notify_bulk(requests("small", 3)) == 3
    with django_capture_on_commit_callbacks(execute=True):
        with CaptureQueriesContext(connection) as large:
            assert notify_bulk(requests("large", 120)) == 120
    assert len(large) == len(small)
    assert len(queued_batches()) == 3  # 120 deliveries in batches of 50
    assert sum(len(batch) for batch in queued_batches()) == 120

    # Run again: the dedupe keys hold, nothing new is written or sent.
    broker_queue.delete("celery")
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_bulk(requests("large", 120)) == 0
    assert queued_batches() == []
    assert Notification.objects.count() == 123


def test_notify_bulk_counts_duplicates_within_one_call_once(recipient):
    request = NotificationRequest(recipient.pk, Event.CASE_TRANSFERRED, "transfer:9:ama")
    assert notify_bulk([request, request]) == 1


def test_unknown_event_is_refused(recipient):
    with pytest.raises(ValueError):
        _notify(recipient, event="tea_time")


def test_user_preference_turns_channels_off(recipient):
    NotificationPreference.objects.create(
        user=recipient, event=Event.SLA_BREACH, email=False, sms=True
    )
    notification = _notify(recipient, event=Event.SLA_BREACH)
    assert list(notification.deliveries.values_list("channel", flat=True)) == [Channel.SMS]


def test_office_default_applies_when_the_user_has_no_preference(recipient, office):
    NotificationPreference.objects.create(
        office=office, event=Event.TASK_ASSIGNED, email=False, sms=True
    )
    notification = _notify(recipient, event=Event.TASK_ASSIGNED)
    assert list(notification.deliveries.values_list("channel", flat=True)) == [Channel.SMS]


def test_digest_preference_holds_the_delivery(recipient):
    NotificationPreference.objects.create(
        user=recipient, event=Event.TASK_ASSIGNED, frequency=Frequency.DIGEST
    )
    notification = _notify(recipient)
    delivery = notification.deliveries.get()
    assert delivery.status == DeliveryStatus.HELD


def test_role_defaults_differ_for_managers(manager):
    manager.email = "mgr@example.org"
    manager.save()
    routine = _notify(manager, key="a", event=Event.REFERRAL_COMPLETED)
    urgent = _notify(manager, key="b", event=Event.APPROVAL_REQUESTED)
    assert routine.deliveries.get().status == DeliveryStatus.HELD
    assert urgent.deliveries.get().status == DeliveryStatus.PENDING


def test_no_external_delivery_without_an_address(caseworker):
    notification = _notify(caseworker, event=Event.SLA_BREACH)  # no e-mail, no phone
    assert notification is not None
    assert not notification.deliveries.exists()


# --- delivery ---------------------------------------------------------------------------


def test_email_is_in_the_recipients_language_and_carries_no_case_details(recipient, settings):
    settings.SITE_URL = "https://caseflow.example.gov.gh"
    recipient.preferred_language = "pl"
    recipient.save()
    notification = _notify(recipient, params={"task": "Assess household of Kofi Mensah"})
    delivery = notification.deliveries.get(channel=Channel.EMAIL)

    assert sending.delivery_attempt(delivery_id=delivery.pk) == (sending.SENT, None)

    [message] = mail.outbox
    html = message.alternatives[0][0]
    assert '<html lang="pl">' in html
    assert "Powiadomienia" in message.body  # the footer, from the Polish catalogue
    assert "BEK-2026-000123" in message.subject
    assert "https://caseflow.example.gov.gh/cases/123/" in message.body
    assert message.to == ["ama@example.org"]
    for body in (message.subject, message.body, html):
        assert "Kofi Mensah" not in body and "Assess household" not in body


@pytest.mark.parametrize(
    ("preferred", "office_default", "expected"),
    [("pl", "en", "pl"), ("", "pl", "pl"), ("", "en", "en")],
)
def test_language_falls_back_to_the_office_then_the_site(
    recipient, office, preferred, office_default, expected
):
    office.default_language = office_default
    office.save()
    recipient.preferred_language = preferred
    recipient.save()
    notification = _notify(recipient)
    sending.delivery_attempt(delivery_id=notification.deliveries.get().pk)
    assert f'<html lang="{expected}">' in mail.outbox[0].alternatives[0][0]


def test_sms_has_reference_kind_and_absolute_link_only(recipient, sms_outbox, settings):
    settings.SITE_URL = "https://caseflow.example.gov.gh"
    notification = _notify(recipient, event=Event.SLA_BREACH, params={"task": "Home visit"})
    delivery = notification.deliveries.get(channel=Channel.SMS)

    sending.delivery_attempt(delivery_id=delivery.pk)

    [sms] = sms_outbox
    assert sms["to"] == "+233200000001"
    assert "BEK-2026-000123" in sms["text"]
    assert "https://caseflow.example.gov.gh/cases/123/" in sms["text"]
    assert "Home visit" not in sms["text"]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.sent_at is not None


def test_a_sent_delivery_is_never_sent_again(recipient):
    delivery = _notify(recipient).deliveries.get()
    assert sending.delivery_attempt(delivery_id=delivery.pk)[0] == sending.SENT
    assert sending.delivery_attempt(delivery_id=delivery.pk) == (sending.SKIPPED, None)
    assert len(mail.outbox) == 1


class FlakySms:
    failures = 0

    def send(self, *, to, text, reference=""):
        from notifications.backends.sms import TransientDeliveryError, outbox

        if FlakySms.failures > 0:
            FlakySms.failures -= 1
            raise TransientDeliveryError("gateway timeout")
        outbox.append({"to": to, "text": text, "reference": reference})


@pytest.fixture
def flaky_sms(settings):
    settings.SMS_BACKEND = "tests.notifications.test_services.FlakySms"
    return FlakySms


def _sms_delivery(recipient):
    NotificationPreference.objects.create(
        user=recipient, event=Event.CASE_TRANSFERRED, email=False, sms=True
    )
    return _notify(recipient, event=Event.CASE_TRANSFERRED).deliveries.get()


def test_transient_failure_is_retried_with_backoff_then_succeeds(
    recipient, flaky_sms, sms_outbox, settings, time_machine
):
    settings.NOTIFICATIONS_RETRY_BACKOFF = 30
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    flaky_sms.failures = 2
    delivery = _sms_delivery(recipient)

    outcome, next_at = sending.delivery_attempt(delivery_id=delivery.pk)
    assert outcome == sending.RETRY
    assert next_at.isoformat() == "2026-03-02T09:00:30+00:00"
    outcome, next_at = sending.delivery_attempt(delivery_id=delivery.pk)
    assert next_at.isoformat() == "2026-03-02T09:01:00+00:00"  # 30 s, then 60 s after now
    assert sending.delivery_attempt(delivery_id=delivery.pk)[0] == sending.SENT

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert len(sms_outbox) == 1


def test_after_max_attempts_the_delivery_is_failed_and_an_admin_can_retry_it(
    recipient, flaky_sms, sms_outbox, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    flaky_sms.failures = 3
    delivery = _sms_delivery(recipient)
    outcomes = [sending.delivery_attempt(delivery_id=delivery.pk)[0] for _ in range(4)]

    assert outcomes == [sending.RETRY, sending.RETRY, sending.FAILED, sending.SKIPPED]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "gateway timeout" in delivery.last_error

    admin = make_user(Role.ADMINISTRATOR, username="root", is_superuser=True)
    with django_capture_on_commit_callbacks() as callbacks:
        assert sending.deliveries_retry(delivery_ids=[delivery.pk], actor=admin) == 1
    assert len(callbacks) == 1
    assert sending.delivery_attempt(delivery_id=delivery.pk)[0] == sending.SENT
    assert len(sms_outbox) == 1


def test_permanent_failure_is_not_retried(recipient, settings):
    settings.SMS_BACKEND = "tests.notifications.test_services.RejectingSms"
    delivery = _sms_delivery(recipient)
    assert sending.delivery_attempt(delivery_id=delivery.pk)[0] == sending.FAILED
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.status == DeliveryStatus.FAILED


class RejectingSms:
    def send(self, *, to, text, reference=""):
        from notifications.backends.sms import PermanentDeliveryError

        raise PermanentDeliveryError("invalid number")


def test_only_someone_allowed_may_retry_deliveries(recipient):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        sending.deliveries_retry(delivery_ids=[], actor=recipient)


# --- reading and preferences --------------------------------------------------------------


def test_mark_read_and_mark_all_read(recipient):
    first, second = _notify(recipient, key="a"), _notify(recipient, key="b")
    services.notification_mark_read(notification=first, actor=recipient)
    assert Notification.objects.filter(recipient=recipient, read_at__isnull=True).count() == 1
    assert services.notifications_mark_all_read(actor=recipient) == 1
    second.refresh_from_db()
    assert second.read_at is not None


def test_marking_someone_elses_notification_is_refused(recipient, supervisor):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.notification_mark_read(notification=_notify(recipient), actor=supervisor)


def test_preferences_update_replaces_the_users_choice(recipient):
    choice = ChannelChoice(email=False, sms=True, frequency=Frequency.DIGEST)
    services.preferences_update(
        user=recipient, actor=recipient, choices={Event.TASK_ASSIGNED: choice}
    )
    services.preferences_update(
        user=recipient, actor=recipient, choices={Event.TASK_ASSIGNED: choice}
    )
    pref = NotificationPreference.objects.get(user=recipient)
    assert (pref.email, pref.sms, pref.frequency) == (False, True, Frequency.DIGEST)


def test_preferences_update_rejects_a_bad_frequency(recipient):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.preferences_update(
            user=recipient,
            actor=recipient,
            choices={Event.TASK_ASSIGNED: ChannelChoice(True, False, "hourly")},
        )


def test_choosing_the_default_stores_nothing_so_later_default_changes_apply(recipient, office):
    own = ChannelChoice(email=False, sms=False, frequency=Frequency.IMMEDIATE)
    services.preferences_update(user=recipient, actor=recipient, choices={Event.SLA_BREACH: own})
    assert NotificationPreference.objects.filter(user=recipient).count() == 1
    default = ChannelChoice(email=True, sms=True, frequency=Frequency.IMMEDIATE)  # role default
    services.preferences_update(
        user=recipient, actor=recipient, choices={Event.SLA_BREACH: default}
    )
    assert not NotificationPreference.objects.filter(user=recipient).exists()

    NotificationPreference.objects.create(office=office, event=Event.SLA_BREACH, sms=False)
    notification = _notify(recipient, event=Event.SLA_BREACH)
    assert list(notification.deliveries.values_list("channel", flat=True)) == [Channel.EMAIL]


def test_someone_else_cannot_change_my_preferences(recipient, supervisor):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.preferences_update(user=recipient, actor=supervisor, choices={})


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/", "cases/1/"])
def test_links_must_be_paths_on_this_site(recipient, link):
    with pytest.raises(ValueError):
        _notify(recipient, link=link)
