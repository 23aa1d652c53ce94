"""SMS backends: console and file (development), in-memory (tests), a generic HTTP gateway.

Choose one with settings.SMS_BACKEND (a dotted path). A backend raises
TransientDeliveryError when trying again later may help (gateway down, timeout, 5xx, 429)
and PermanentDeliveryError when it cannot (bad number, rejected request).
"""

import json
import logging
import string
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A message could not be delivered."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying later."""


class PermanentDeliveryError(DeliveryError):
    """Retrying will not help."""


class BaseSmsBackend:
    def send(self, *, to: str, text: str, reference: str = "") -> None:
        """Send one message; `reference` is an id the gateway may echo back (the delivery id)."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, *, to: str, text: str, reference: str = "") -> None:
        self.stream.write(f"SMS to {to} [{reference}]: {text}\n")
        self.stream.flush()


_file_lock = threading.Lock()


class FileSmsBackend(BaseSmsBackend):
    """Appends one JSON line per message to settings.SMS_FILE_PATH."""

    def __init__(self, path: str | None = None):
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, *, to: str, text: str, reference: str = "") -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"to": to, "text": text, "reference": reference}, ensure_ascii=False)
        with _file_lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


# Messages "sent" by LocmemSmsBackend, like django.core.mail.outbox.
outbox: list[dict] = []


class LocmemSmsBackend(BaseSmsBackend):
    def send(self, *, to: str, text: str, reference: str = "") -> None:
        outbox.append({"to": to, "text": text, "reference": reference})


class HttpGatewaySmsBackend(BaseSmsBackend):
    """POSTs settings.SMS_GATEWAY_PAYLOAD to settings.SMS_GATEWAY_URL.

    The payload is a string.Template: $to, $text, $sender and $reference are replaced by
    values escaped for JSON (SMS_GATEWAY_CONTENT_TYPE application/json, the default) or
    URL-encoded (application/x-www-form-urlencoded). The token goes in the Authorization
    header as "Bearer <token>" unless SMS_GATEWAY_AUTH_HEADER names another header.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        payload: str | None = None,
        content_type: str | None = None,
        timeout: float | None = None,
    ):
        self.url = url or settings.SMS_GATEWAY_URL
        self.token = token if token is not None else settings.SMS_GATEWAY_TOKEN
        self.payload = payload or settings.SMS_GATEWAY_PAYLOAD
        self.content_type = content_type or settings.SMS_GATEWAY_CONTENT_TYPE
        self.timeout = timeout or settings.SMS_GATEWAY_TIMEOUT
        if not self.url:
            raise PermanentDeliveryError("SMS_GATEWAY_URL is not set")

    def _escape(self, value: str) -> str:
        if self.content_type == "application/x-www-form-urlencoded":
            return urllib.parse.quote_plus(value)
        return json.dumps(value, ensure_ascii=False)[1:-1]

    def build_body(self, *, to: str, text: str, reference: str) -> bytes:
        values = {"to": to, "text": text, "sender": settings.SMS_SENDER, "reference": reference}
        body = string.Template(self.payload).substitute(
            {key: self._escape(value) for key, value in values.items()}
        )
        return body.encode("utf-8")

    def send(self, *, to: str, text: str, reference: str = "") -> None:
        request = urllib.request.Request(
            self.url,
            data=self.build_body(to=to, text=text, reference=reference),
            method="POST",
            headers={"Content-Type": f"{self.content_type}; charset=utf-8"},
        )
        if self.token:
            header = settings.SMS_GATEWAY_AUTH_HEADER
            value = f"Bearer {self.token}" if header == "Authorization" else self.token
            request.add_header(header, value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            detail = f"SMS gateway answered HTTP {exc.code}"
            if exc.code >= 500 or exc.code in (408, 429):
                raise TransientDeliveryError(detail) from exc
            raise PermanentDeliveryError(detail) from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            raise TransientDeliveryError(f"SMS gateway unreachable: {exc}") from exc


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
