"""Staff -> Webhooks: who may, office scoping, registering with the secret shown once, a
refused address, rotation, deactivation, a test ping, the deliveries and their retry; the
pages' query counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from notifications import webhooks
from notifications.models import Delivery, DeliveryStatus, WebhookEndpoint, WebhookEvent
from notifications.webhooks import WebhookRequest, webhooks_emit
from tests.factories import make_user

EVENTS = ["case_opened", "stage_changed"]


@pytest.fixture
def admin(office):
    return make_user(Role.ADMINISTRATOR, office, username="officeadmin")


@pytest.fixture
def endpoint(admin, office):
    endpoint, _secret = webhooks.webhook_endpoint_create(
        actor=admin,
        office=office,
        url="https://hooks.example.org/in",
        description="",
        events=EVENTS,
    )
    return endpoint


def _as(client, user):
    client.force_login(user)
    return client


def _emit(office, n: int) -> None:
    webhooks_emit(
        [
            WebhookRequest(
                office_id=office.pk,
                event="stage_changed",
                source_key=f"caseevent:{n}",
                occurred_at=timezone.now(),
                case_id=n,
                case_reference=f"BEK-2026-{n:06d}",
                data={"from_stage": "intake", "to_stage": "assessment"},
            )
        ]
    )


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.SUPERVISOR, Role.MANAGER])
def test_only_administrators_manage_webhooks(client, office, role, endpoint):
    c = _as(client, make_user(role, office))
    assert c.get(reverse("webhook_list")).status_code == 403
    assert c.get(reverse("webhook_detail", args=[endpoint.pk])).status_code == 403
    assert c.post(reverse("webhook_ping", args=[endpoint.pk])).status_code == 403
    assert not Delivery.objects.exists()


def test_another_office_s_endpoint_is_not_found(client, other_office, endpoint):
    other_admin = make_user(Role.ADMINISTRATOR, other_office, username="administrator")
    c = _as(client, other_admin)
    assert c.get(reverse("webhook_detail", args=[endpoint.pk])).status_code == 404
    assert c.post(reverse("webhook_rotate", args=[endpoint.pk])).status_code == 404
    assert c.get(reverse("webhook_list") + f"?office={endpoint.office_id}").status_code == 404
    assert "hooks.example.org" not in c.get(reverse("webhook_list")).content.decode()


def test_the_staff_tabs_link_to_webhooks_for_administrators(client, admin, manager):
    assert (
        'href="/staff/webhooks/"' in _as(client, admin).get(reverse("staff_list")).content.decode()
    )
    assert 'href="/staff/webhooks/"' not in (
        _as(client, manager).get(reverse("staff_list")).content.decode()
    )


def test_register_shows_the_secret_once(client, admin, office):
    c = _as(client, admin)
    response = c.post(
        reverse("webhook_new"),
        {"url": "https://10.1.2.3:8443/caseflow", "description": "Reports", "events": EVENTS},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("webhook_detail", args=[endpoint.pk])
    assert (endpoint.office, endpoint.events, endpoint.created_by) == (office, EVENTS, admin)
    first = c.get(response.url)
    assert endpoint.secret in first.content.decode()
    assert "no-store" in first["Cache-Control"]
    again = c.get(response.url).content.decode()
    assert endpoint.secret not in again
    assert "https://10.1.2.3:8443/caseflow" in again
    listed = c.get(reverse("webhook_list")).content.decode()
    assert "https://10.1.2.3:8443/caseflow" in listed and endpoint.secret not in listed


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"url": "https://169.254.169.254/latest", "events": EVENTS}, "metadata addresses"),
        ({"url": "https://me:pw@hooks.example.org/", "events": EVENTS}, "user name and password"),
        ({"url": "gopher://hooks.example.org/", "events": EVENTS}, "https://"),
        ({"url": "https://hooks.example.org/"}, "Choose at least one event."),
        ({"url": "https://hooks.example.org/", "events": ["ping"]}, "Select a valid choice"),
    ],
)
def test_a_refused_endpoint_is_the_form_again_with_the_reason(client, admin, data, message):
    response = _as(client, admin).post(reverse("webhook_new"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_change_the_address_and_events_keeps_the_secret(client, admin, endpoint):
    secret = endpoint.secret
    response = _as(client, admin).post(
        reverse("webhook_edit", args=[endpoint.pk]),
        {"url": "https://hooks.example.org/v2", "events": ["case_closed"], "description": "x"},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.secret) == (
        "https://hooks.example.org/v2",
        ["case_closed"],
        secret,
    )


def test_rotate_shows_the_new_secret_once(client, admin, endpoint):
    old = endpoint.secret
    c = _as(client, admin)
    response = c.post(reverse("webhook_rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    body = c.get(response.url).content.decode()
    assert endpoint.secret in body and old not in body
    assert endpoint.secret not in c.get(response.url).content.decode()
    assert c.get(reverse("webhook_rotate", args=[endpoint.pk])).status_code == 405


def test_deactivate_and_activate_again(client, admin, office, endpoint):
    c = _as(client, admin)
    c.post(reverse("webhook_active", args=[endpoint.pk]), {"active": "0"})
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    _emit(office, 1)
    assert not Delivery.objects.exists()
    response = c.post(reverse("webhook_ping", args=[endpoint.pk]), follow=True)
    assert "Activate the endpoint" in response.content.decode()
    assert not Delivery.objects.exists()
    c.post(reverse("webhook_active", args=[endpoint.pk]), {"active": "1"})
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_a_test_ping_is_queued_and_listed(client, admin, endpoint):
    response = _as(client, admin).post(reverse("webhook_ping", args=[endpoint.pk]), follow=True)
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.webhook_event.event == "ping"
    assert delivery.status == DeliveryStatus.PENDING
    body = response.content.decode()
    assert "A test event is on its way" in body
    assert str(delivery.webhook_event.uid) in body


def test_retry_a_failed_delivery_from_the_page(client, admin, office, endpoint):
    _emit(office, 1)
    _emit(office, 2)
    Delivery.objects.update(
        status=DeliveryStatus.FAILED,
        attempts=10,
        last_status_code=500,
        last_attempt_at=timezone.now(),
    )
    first, second = Delivery.objects.order_by("pk")
    c = _as(client, admin)
    body = c.get(reverse("webhook_detail", args=[endpoint.pk])).content.decode()
    assert "HTTP 500" in body and "Retry every failed delivery" in body
    response = c.post(reverse("webhook_retry", args=[endpoint.pk]), {"delivery": first.pk})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.attempts) == (DeliveryStatus.PENDING, 0)
    assert second.status == DeliveryStatus.FAILED
    c.post(reverse("webhook_retry", args=[endpoint.pk]), {"delivery": "all"})
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PENDING}
    assert (
        c.post(reverse("webhook_retry", args=[endpoint.pk]), {"delivery": "x"}).status_code == 404
    )


# Session, user, office, permissions (user's, groups'), role groups, then the endpoints with
# their counts (one query), the notification bell.
LIST_QUERIES = 8
# The same six, the endpoint, its deliveries with their events (one query), the bell.
DETAIL_QUERIES = 9


@pytest.mark.parametrize("extra", [1, 5])
def test_the_pages_query_counts_do_not_grow_with_rows(
    client, admin, office, extra, django_assert_num_queries
):
    for n in range(extra):
        webhooks.webhook_endpoint_create(
            actor=admin,
            office=office,
            url=f"https://h{n}.example.org/",
            description="",
            events=EVENTS,
        )
    for n in range(extra * 3):
        _emit(office, n)
    endpoint = WebhookEndpoint.objects.order_by("pk").first()
    c = _as(client, admin)
    c.get(reverse("webhook_list"))  # warm the session
    with django_assert_num_queries(LIST_QUERIES):
        body = c.get(reverse("webhook_list")).content.decode()
    assert body.count('href="/staff/webhooks/') >= extra
    with django_assert_num_queries(DETAIL_QUERIES):
        body = c.get(reverse("webhook_detail", args=[endpoint.pk])).content.decode()
    assert body.count('data-label="Event id"') == extra * 3
    assert WebhookEvent.objects.count() == extra * 3


def test_the_django_admin_lists_webhook_deliveries_and_never_shows_a_secret(
    client, office, endpoint
):
    _emit(office, 1)
    webhooks.webhook_ping(actor=endpoint.created_by, endpoint=endpoint)
    root = make_user(None, None, username="root", is_superuser=True, is_staff=True)
    c = _as(client, root)
    outbox = c.get(reverse("admin:notifications_delivery_changelist"))
    assert outbox.status_code == 200
    body = outbox.content.decode()
    assert "https://hooks.example.org/in" in body and "Test ping" in body
    delivery = Delivery.objects.filter(endpoint=endpoint).first()
    assert (
        c.get(reverse("admin:notifications_delivery_change", args=[delivery.pk])).status_code == 200
    )
    page = c.get(reverse("admin:notifications_webhookendpoint_change", args=[endpoint.pk]))
    assert page.status_code == 200 and endpoint.secret not in page.content.decode()
    event = WebhookEvent.objects.first()
    assert (
        c.get(reverse("admin:notifications_webhookevent_change", args=[event.pk])).status_code
        == 200
    )
