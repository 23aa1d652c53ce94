import pytest
from django.urls import reverse

from accounts.models import Role
from notifications.models import Channel, Delivery, DeliveryStatus, Event
from notifications.outbox import notify
from tests.factories import make_user

from .conftest import queued_batches

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator():
    return make_user(Role.ADMINISTRATOR, username="admin1", is_staff=True, is_superuser=True)


def _failed(recipient, key):
    delivery = notify(
        recipient=recipient, event=Event.TASK_ASSIGNED, dedupe_key=key
    ).deliveries.get(channel=Channel.EMAIL)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=5, last_error="SMTP unavailable"
    )
    return delivery


def test_admin_lists_failed_deliveries(client, administrator, recipient):
    _failed(recipient, "a")
    client.force_login(administrator)
    response = client.get(reverse("admin:notifications_delivery_changelist"), {"status": "failed"})
    assert response.status_code == 200
    assert "SMTP unavailable" in response.content.decode()


def test_admin_action_puts_failed_rows_back_and_enqueues_them(
    client, administrator, recipient, broker_queue, django_capture_on_commit_callbacks
):
    failed = _failed(recipient, "a")
    sent = notify(recipient=recipient, event=Event.TASK_ASSIGNED, dedupe_key="b").deliveries.get()
    Delivery.objects.filter(pk=sent.pk).update(status=DeliveryStatus.PENDING)
    client.force_login(administrator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:notifications_delivery_changelist"),
            {"action": "retry_deliveries", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Deliveries put back in the outbox: 1." in page
    assert "Only failed deliveries can be retried." in page
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (DeliveryStatus.PENDING, 0)
    assert queued_batches() == [[failed.pk]]


def test_the_administrator_role_may_retry_and_caseworkers_may_not(caseworker):
    administrator = make_user(Role.ADMINISTRATOR, username="plain-admin", is_staff=True)
    assert administrator.has_perm("notifications.change_delivery")
    assert administrator.has_perm("notifications.add_notificationpreference")
    assert not caseworker.has_perm("notifications.change_delivery")


def test_admin_sets_an_office_default_and_refuses_user_and_office_together(
    client, administrator, office, recipient
):
    from notifications.models import NotificationPreference

    client.force_login(administrator)
    url = reverse("admin:notifications_notificationpreference_add")
    data = {"office": office.pk, "event": Event.SLA_WARNING, "frequency": "digest", "email": "on"}
    assert client.post(url, data).status_code == 302
    assert NotificationPreference.objects.get(office=office).frequency == "digest"

    response = client.post(url, {**data, "event": Event.SLA_BREACH, "user": recipient.pk})
    assert response.status_code == 200
    assert "Choose either a user or an office, not both." in response.content.decode()
