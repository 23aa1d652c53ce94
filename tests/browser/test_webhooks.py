"""An office administrator connects the office's own system, in Polish on a phone: registers
an endpoint (a real receiver in the test), copies the secret shown once, sends a test event
that the receiver verifies, and retries a delivery that failed. axe-core checks every page."""

import re

import pytest
from playwright.sync_api import expect

from notifications import delivery as sending
from notifications.models import Delivery, DeliveryStatus, WebhookEndpoint
from tests.notifications.webhook_receiver import Receiver

from .conftest import wider_than_screen

pytestmark = pytest.mark.browser


def _text(english: str, polish: str):
    """Either language: the Polish catalogue of this change is merged by the lead."""
    return re.compile(f"{re.escape(english)}|{re.escape(polish)}")


def _label(page, english: str, polish: str):
    """A field by its whole label (Django adds a colon), in either language."""
    return page.get_by_label(re.compile(f"^({re.escape(english)}|{re.escape(polish)}):?$"))


def _button(scope, english: str, polish: str):
    return scope.get_by_role("button", name=_text(english, polish))


def _send_waiting(endpoint: WebhookEndpoint) -> list[str]:
    """What the Celery worker does (none runs beside the browser tests)."""
    waiting = Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING)
    return [
        sending.delivery_attempt(delivery_id=pk)[0] for pk in waiting.values_list("pk", flat=True)
    ]


@pytest.mark.parametrize("width", [375])
def test_a_polish_administrator_connects_a_receiver(person, settings, width):
    settings.WEBHOOK_MAX_ATTEMPTS = 1  # so that one refused attempt is a failed delivery
    page = person("administrator", width=width, language="pl")
    with Receiver() as receiver:
        page.goto("/")
        page.locator("label.nav-toggle-label").click()
        page.get_by_role("link", name=_text("Staff", "Pracownicy")).click()
        page.get_by_role("link", name=_text("Webhooks", "Webhooki")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(_text("Webhooks", "Webhooki"))
        assert wider_than_screen(page) == []

        page.get_by_role("link", name=_text("Add an endpoint", "Dodaj punkt końcowy")).click()
        _label(page, "Address (URL)", "Adres (URL)").fill("https://169.254.169.254/latest")
        page.get_by_label(_text("Stage changed", "Zmiana etapu")).check()
        _button(page, "Register the endpoint", "Zarejestruj punkt końcowy").click()
        # Refused, with the reason, and nothing saved.
        expect(page.locator(".error-summary")).to_contain_text(
            _text("cloud metadata", "metadanych chmury")
        )
        assert not WebhookEndpoint.objects.filter(office__code="SOC").exists()

        _label(page, "Address (URL)", "Adres (URL)").fill(receiver.url)
        _label(page, "Description", "Opis").fill("System sprawozdawczy")
        page.get_by_label(_text("Case closed", "Sprawa zamknięta")).check()
        _button(page, "Register the endpoint", "Zarejestruj punkt końcowy").click()
        expect(page.get_by_role("status")).to_contain_text(
            _text("The endpoint was registered.", "Zarejestrowano punkt końcowy.")
        )
        endpoint = WebhookEndpoint.objects.get(office__code="SOC")
        assert endpoint.events == ["stage_changed", "case_closed"]
        # The secret, once: the receiver takes it from the page.
        shown = page.locator("code.secret")
        expect(shown).to_have_text(endpoint.secret)
        receiver.secret = shown.inner_text()
        assert wider_than_screen(page) == []
        page.reload()
        expect(page.locator("code.secret")).to_have_count(0)
        assert endpoint.secret not in page.content()

        # A test event, signed, received.
        _button(page, "Send a test event", "Wyślij zdarzenie testowe").click()
        expect(page.get_by_role("status")).to_contain_text(
            _text("A test event is on its way", "Zdarzenie testowe jest w drodze")
        )
        assert _send_waiting(endpoint) == [sending.SENT]
        [ping] = receiver.events
        assert ping["event"] == "ping" and receiver.requests[0]["verified"]
        page.reload()
        deliveries = page.get_by_role("region", name=_text("Recent deliveries", "Ostatnie wysyłki"))
        expect(deliveries).to_contain_text(_text("Delivered", "Doręczona"))
        expect(deliveries).to_contain_text(ping["id"])

        # The receiver refuses the next one: it fails, and is retried from the page.
        receiver.answers = [500]
        _button(page, "Send a test event", "Wyślij zdarzenie testowe").click()
        assert _send_waiting(endpoint) == [sending.FAILED]
        page.reload()
        failed = page.get_by_role("row").filter(has_text=_text("Failed", "Nieudane"))
        expect(failed).to_contain_text("HTTP 500")
        assert wider_than_screen(page) == []
        _button(failed, "Retry Test ping", "Ponów: Zdarzenie testowe").click()
        expect(page.get_by_role("status")).to_contain_text(
            _text("Deliveries put back in the outbox: 1.", "Wysyłki przywrócone do kolejki")
        )
        assert _send_waiting(endpoint) == [sending.SENT]
        page.reload()
        expect(page.get_by_role("row").filter(has_text=_text("Failed", "Nieudane"))).to_have_count(
            0
        )
    assert len(receiver.events) == 2
    assert all(request["verified"] for request in receiver.requests)
