import pytest
from django.urls import reverse

from notifications.models import Event, Frequency, Notification, NotificationPreference
from notifications.outbox import notify

pytestmark = pytest.mark.django_db


def _notify(user, key, **kwargs):
    return notify(
        recipient=user,
        event=kwargs.pop("event", Event.TASK_ASSIGNED),
        dedupe_key=key,
        case_reference="BEK-2026-000123",
        link="/cases/123/",
        params={"task": "Assess household"},
    )


def test_list_shows_own_notifications_in_the_viewers_language(client, recipient, supervisor):
    _notify(recipient, "mine")
    _notify(supervisor, "theirs", event=Event.APPROVAL_REQUESTED)
    client.force_login(recipient)

    response = client.get(reverse("notifications:list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Task “Assess household” on BEK-2026-000123 was assigned to you." in page
    assert "approval is requested" not in page


def test_the_list_query_count_does_not_grow_with_rows(
    client, recipient, django_assert_max_num_queries
):
    client.force_login(recipient)
    for i in range(3):
        _notify(recipient, f"a{i}")
    client.get(reverse("notifications:list"))  # warm the session
    with django_assert_max_num_queries(9) as few:
        client.get(reverse("notifications:list"))
    for i in range(20):
        _notify(recipient, f"b{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("notifications:list"))


def test_open_marks_read_and_follows_the_link(client, recipient):
    notification = _notify(recipient, "a")
    client.force_login(recipient)
    response = client.post(reverse("notifications:read", args=[notification.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/cases/123/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_another_users_notification_is_a_404(client, recipient, supervisor):
    notification = _notify(recipient, "a")
    client.force_login(supervisor)
    response = client.post(reverse("notifications:read", args=[notification.pk]))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_read_needs_post(client, recipient):
    notification = _notify(recipient, "a")
    client.force_login(recipient)
    assert client.get(reverse("notifications:read", args=[notification.pk])).status_code == 405


def test_mark_all_read_touches_only_the_users_own(client, recipient, supervisor):
    _notify(recipient, "a")
    _notify(recipient, "b")
    other = _notify(supervisor, "c")
    client.force_login(recipient)
    response = client.post(reverse("notifications:read_all"), {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list")
    assert not Notification.objects.filter(recipient=recipient, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_pages_need_a_login(client):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_preferences_page_saves_choices(client, recipient):
    client.force_login(recipient)
    assert client.get(reverse("notifications:preferences")).status_code == 200
    data = {f"{event}-frequency": Frequency.IMMEDIATE for event in Event.values}
    data.update({"sla_breach-sms": "1", "referral_completed-frequency": Frequency.DIGEST})

    response = client.post(reverse("notifications:preferences"), data)

    assert response.status_code == 302
    breach = NotificationPreference.objects.get(user=recipient, event=Event.SLA_BREACH)
    assert (breach.email, breach.sms) == (False, True)
    completed = NotificationPreference.objects.get(user=recipient, event=Event.REFERRAL_COMPLETED)
    assert completed.frequency == Frequency.DIGEST


def test_preferences_page_rejects_bad_input_with_a_clear_message(client, recipient):
    client.force_login(recipient)
    response = client.post(reverse("notifications:preferences"), {"sla_breach-frequency": "now!"})
    assert response.status_code == 400
    assert "Deadline missed: choose “immediately” or “in the daily digest”." in (
        response.content.decode()
    )
    assert not NotificationPreference.objects.exists()
