"""The webhook transport: which addresses are allowed, the signature, one POST (no redirects)."""

import time

import pytest

from notifications.backends import webhook
from notifications.backends.sms import PermanentDeliveryError
from notifications.backends.webhook import (
    WebhookAttemptError,
    WebhookUrlError,
    signature_header,
    signature_verify,
    webhook_post,
    webhook_url_check,
)

from .webhook_receiver import Receiver, free_port

SECRET = "whsec_test-secret"


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.org/caseflow",
        "https://10.0.0.5:8443/in",  # an office's private network
        "https://192.168.1.20/hooks",
        "https://[fd12:3456::1]/hooks",
        "https://receiver/hooks",  # a single-label intranet name
        "https://127.0.0.1:9000/hooks?source=caseflow",
    ],
)
def test_addresses_an_office_may_register(url, settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    assert webhook_url_check(f"  {url} ") == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://user:pass@hooks.example.org/", "user name and password"),
        ("https://token@hooks.example.org/", "user name and password"),
        ("ftp://hooks.example.org/", "https://"),
        ("file:///etc/passwd", "https://"),
        ("javascript:alert(1)", "https://"),
        ("hooks.example.org/in", "https://"),
        ("https://169.254.169.254/latest/meta-data/", "metadata"),
        ("https://169.254.10.1/", "metadata"),
        ("https://[fd00:ec2::254]/", "metadata"),
        ("https://[fe80::1]/", "metadata"),
        ("https://[::ffff:169.254.169.254]/", "metadata"),
        ("https://metadata.google.internal/computeMetadata/v1/", "metadata"),
        ("https://0.0.0.0/", "metadata"),
        ("https://hooks.example.org/in#frag", "#"),
        ("https://hooks example.org/", "spaces"),
        ("https://hooks.example.org:99999/", "valid address"),
        ("https:///nohost", "host name"),
        ("https://exa_mple!.org/", "host name"),
        ("", "Enter the address"),
    ],
)
def test_addresses_refused_with_the_reason(url, message, settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(WebhookUrlError, match=message):
        webhook_url_check(url)


def test_plain_http_only_where_the_setting_allows_it(settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(WebhookUrlError, match="https://"):
        webhook_url_check("http://hooks.example.org/")
    settings.WEBHOOK_ALLOW_HTTP = True
    assert webhook_url_check("http://hooks.example.org/") == "http://hooks.example.org/"


def test_the_signature_verifies_and_rejects_what_it_should():
    body = b'{"id":"abc","event":"ping"}'
    now = int(time.time())
    header = signature_header([SECRET], now, body)
    assert header.startswith(f"t={now},v1=")
    assert signature_verify(secret=SECRET, header=header, body=body)
    assert not signature_verify(secret="whsec_other", header=header, body=body)
    assert not signature_verify(secret=SECRET, header=header, body=body + b" ")
    # a replay: the same signed request ten minutes later
    assert not signature_verify(secret=SECRET, header=header, body=body, now=now + 600)
    assert signature_verify(secret=SECRET, header=header, body=body, now=now + 299)
    assert not signature_verify(secret=SECRET, header="v1=deadbeef", body=body)
    assert not signature_verify(secret=SECRET, header="", body=body)


def test_during_a_rotation_either_secret_verifies():
    body, now = b"{}", int(time.time())
    header = signature_header(["whsec_new", "whsec_old"], now, body)
    assert header.count("v1=") == 2
    assert signature_verify(secret="whsec_new", header=header, body=body)
    assert signature_verify(secret="whsec_old", header=header, body=body)
    assert not signature_verify(secret="whsec_other", header=header, body=body)


def _post(url: str, body: bytes = b'{"id":"1","event":"ping"}') -> int:
    header = signature_header([SECRET], int(time.time()), body)
    return webhook_post(url=url, body=body, headers={webhook.SIGNATURE_HEADER: header}, timeout=5)


def test_a_2xx_is_delivered_and_signed():
    with Receiver(secret=SECRET, answers=[202]) as receiver:
        assert _post(receiver.url) == 202
    [request] = receiver.requests
    assert request["path"] == "/hooks/caseflow"
    assert request["verified"]
    assert request["headers"]["Content-Type"] == "application/json"


def test_a_5xx_or_4xx_is_an_attempt_to_retry_with_its_status():
    with Receiver(secret=SECRET, answers=[500, 404]) as receiver:
        with pytest.raises(WebhookAttemptError) as first:
            _post(receiver.url)
        with pytest.raises(WebhookAttemptError) as second:
            _post(receiver.url)
    assert (first.value.status_code, second.value.status_code) == (500, 404)


def test_a_redirect_is_never_followed():
    with Receiver(secret=SECRET) as target:
        with Receiver(secret=SECRET, answers=[302], redirect_to=target.url) as receiver:
            with pytest.raises(WebhookAttemptError, match="not followed") as refused:
                _post(receiver.url)
    assert refused.value.status_code == 302
    assert len(receiver.requests) == 1
    assert target.requests == []


def test_an_ipv6_receiver_without_a_port_is_reached_on_the_scheme_s_port(monkeypatch):
    # http.client alone would read "http://[::1]/" as host "::" and port 1.
    seen = []

    def connect(address, *args, **kwargs):
        seen.append(address)
        raise ConnectionRefusedError("nothing here")

    monkeypatch.setattr(webhook, "_guarded_connection", connect)
    with pytest.raises(WebhookAttemptError):
        _post("http://[::1]/hooks")
    assert seen == [("::1", 80)]


def test_a_receiver_that_is_down_is_an_attempt_to_retry():
    with pytest.raises(WebhookAttemptError, match="unreachable") as down:
        _post(f"http://127.0.0.1:{free_port()}/hooks")
    assert down.value.status_code is None


def test_a_name_resolving_to_a_metadata_address_is_refused_when_connecting():
    # The address check again after DNS: a name can point anywhere after it was saved.
    with pytest.raises(PermanentDeliveryError, match="link-local or metadata"):
        webhook._guarded_connection(("169.254.169.254", 80), timeout=1)
