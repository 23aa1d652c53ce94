"""The development mailbox: the e-mail backend that keeps messages in the database and the
staff-only pages that show them (notifications/backends/mailbox.py, views_mailbox.py)."""

import html

import pytest
from django.core.mail import EmailMultiAlternatives, send_mail
from django.urls import reverse

from accounts.models import Role
from notifications import delivery as sending
from notifications import outbox
from notifications.models import Event, MailboxMessage
from tests.factories import make_user

MAILBOX = "notifications.backends.mailbox.MailboxEmailBackend"


@pytest.fixture(autouse=True)
def mailbox_backend(db, settings):
    settings.EMAIL_BACKEND = MAILBOX


@pytest.fixture
def admin_user(office):
    return make_user(None, office, username="admin1", is_staff=True, is_superuser=True)


def test_the_backend_keeps_text_html_and_language():
    message = EmailMultiAlternatives(
        "Subject", "Plain body", to=["ama@example.org"], headers={"Content-Language": "pl"}
    )
    message.attach_alternative("<p>HTML body</p>", "text/html")
    assert message.send() == 1

    kept = MailboxMessage.objects.get()
    assert (kept.to, kept.subject, kept.body) == ("ama@example.org", "Subject", "Plain body")
    assert kept.html == "<p>HTML body</p>" and kept.language == "pl"


def test_the_backend_keeps_only_the_newest(settings):
    settings.DEV_MAILBOX_KEEP = 3
    for n in range(5):
        send_mail(f"Message {n}", "body", None, ["x@example.org"])
    assert list(MailboxMessage.objects.values_list("subject", flat=True)) == [
        "Message 4",
        "Message 3",
        "Message 2",
    ]


def test_a_polish_recipients_notification_arrives_in_polish(recipient, client, admin_user):
    recipient.preferred_language = "pl"
    recipient.save()
    notification = outbox.notify(
        recipient=recipient,
        event=Event.SLA_BREACH,
        dedupe_key="sla:1:1:1",
        case_reference="BEK-2026-000123",
        link="/cases/123/",
        params={"task": "Assess", "due": "2026-03-02T15:30:00+00:00"},
    )
    delivery = notification.deliveries.get(channel="email")
    assert sending.delivery_attempt(delivery_id=delivery.pk)[0] == sending.SENT

    kept = MailboxMessage.objects.get()
    assert kept.to == "ama@example.org" and kept.language == "pl"
    assert "Termin przekroczony: BEK-2026-000123" in kept.subject
    assert "Otwórz w Caseflow" in kept.body

    client.force_login(admin_user)
    listing = html.unescape(client.get(reverse("mailbox:list")).content.decode())
    assert kept.subject in listing and "ama@example.org" in listing
    page = client.get(reverse("mailbox:message", args=[kept.pk]))
    body = html.unescape(page.content.decode())
    assert page.status_code == 200
    assert "Otwórz w Caseflow" in body and 'lang="pl"' in body
    assert "Assess" not in kept.body  # the e-mail rule holds: reference, kind, link, time


def test_the_mailbox_is_for_staff_only(client, recipient):
    send_mail("Private", "body", None, ["ama@example.org"])
    kept = MailboxMessage.objects.get()
    caseworker = make_user(Role.CASEWORKER, recipient.home_office, username="cw2")
    client.force_login(caseworker)
    assert client.get(reverse("mailbox:list")).status_code == 403
    assert client.get(reverse("mailbox:message", args=[kept.pk])).status_code == 403
    client.logout()
    response = client.get(reverse("mailbox:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_list_reads_in_a_fixed_number_of_queries(
    client, admin_user, django_assert_max_num_queries
):
    for n in range(30):
        send_mail(f"Message {n}", "body", None, ["x@example.org"])
    client.force_login(admin_user)
    client.get(reverse("mailbox:list"))  # warm the session and the user
    with django_assert_max_num_queries(8):
        response = client.get(reverse("mailbox:list"))
    assert response.status_code == 200
    assert "Message 29" in response.content.decode()


def test_staff_see_the_mailbox_in_the_menu_only_while_it_is_in_use(client, admin_user, settings):
    client.force_login(admin_user)
    assert reverse("mailbox:list") in client.get(reverse("notifications:list")).content.decode()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reverse("mailbox:list") not in client.get(reverse("notifications:list")).content.decode()
