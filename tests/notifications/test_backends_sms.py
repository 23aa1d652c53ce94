"""The HTTP gateway backend against a fake gateway this test starts on localhost."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from notifications.backends.sms import (
    ConsoleSmsBackend,
    FileSmsBackend,
    HttpGatewaySmsBackend,
    PermanentDeliveryError,
    TransientDeliveryError,
    get_sms_backend,
)


class FakeGateway:
    def __init__(self):
        self.requests: list[dict] = []
        self.status = 200
        self.arrived = threading.Event()
        self.hold_first: threading.Event | None = None  # set: the first request waits for it
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                gateway.arrived.set()
                if gateway.hold_first is not None and len(gateway.requests) == 1:
                    gateway.hold_first.wait(30)
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/messages"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    with FakeGateway() as fake:
        settings.SMS_BACKEND = "notifications.backends.sms.HttpGatewaySmsBackend"
        settings.SMS_GATEWAY_URL = fake.url
        settings.SMS_GATEWAY_TOKEN = "s3cret"
        settings.SMS_SENDER = "DSWCaseflow"
        yield fake


def test_gateway_receives_the_payload_template_and_token(gateway):
    get_sms_backend().send(to="+233200000001", text='Zażółć "gęślą" jaźń', reference="42")

    [request] = gateway.requests
    assert request["path"] == "/messages"
    assert request["headers"]["Authorization"] == "Bearer s3cret"
    assert json.loads(request["body"]) == {
        "to": "+233200000001",
        "from": "DSWCaseflow",
        "text": 'Zażółć "gęślą" jaźń',
        "reference": "42",
    }


def test_gateway_form_encoded_payload(gateway, settings):
    settings.SMS_GATEWAY_CONTENT_TYPE = "application/x-www-form-urlencoded"
    settings.SMS_GATEWAY_PAYLOAD = "msisdn=$to&message=$text"
    settings.SMS_GATEWAY_AUTH_HEADER = "X-Api-Key"
    get_sms_backend().send(to="+48600000000", text="a&b c")
    [request] = gateway.requests
    assert request["body"] == b"msisdn=%2B48600000000&message=a%26b+c"
    assert request["headers"]["X-Api-Key"] == "s3cret"


@pytest.mark.parametrize("status", [500, 503, 429])
def test_server_errors_are_transient(gateway, status):
    gateway.status = status
    with pytest.raises(TransientDeliveryError):
        get_sms_backend().send(to="+233200000001", text="x")


@pytest.mark.parametrize("status", [400, 401, 422])
def test_client_errors_are_permanent(gateway, status):
    gateway.status = status
    with pytest.raises(PermanentDeliveryError):
        get_sms_backend().send(to="+233200000001", text="x")


def test_unreachable_gateway_is_transient():
    backend = HttpGatewaySmsBackend(url="http://127.0.0.1:1/", token="", timeout=2)
    with pytest.raises(TransientDeliveryError):
        backend.send(to="+233200000001", text="x")


def test_console_and_file_backends(tmp_path, capsys):
    ConsoleSmsBackend().send(to="+1", text="hello", reference="7")
    assert "SMS to +1 [7]: hello" in capsys.readouterr().out
    path = tmp_path / "sms" / "out.jsonl"
    FileSmsBackend(path=str(path)).send(to="+1", text="cześć", reference="8")
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "to": "+1",
        "text": "cześć",
        "reference": "8",
    }


@pytest.mark.django_db
def test_a_notification_reaches_the_gateway_and_a_gateway_outage_is_retried(gateway, recipient):
    from notifications import delivery as sending
    from notifications import outbox
    from notifications.models import Channel, Event

    notification = outbox.notify(
        recipient=recipient,
        event=Event.SLA_BREACH,
        dedupe_key="sla:1:breach",
        case_reference="BEK-2026-000777",
        link="/cases/777/",
    )
    delivery = notification.deliveries.get(channel=Channel.SMS)
    gateway.status = 503
    assert sending.delivery_attempt(delivery_id=delivery.pk)[0] == sending.RETRY
    gateway.status = 200
    assert sending.delivery_attempt(delivery_id=delivery.pk)[0] == sending.SENT

    sent = json.loads(gateway.requests[-1]["body"])
    assert sent["to"] == "+233200000001" and sent["reference"] == str(delivery.pk)
    assert "BEK-2026-000777" in sent["text"] and "/cases/777/" in sent["text"]
