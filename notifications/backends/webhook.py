"""Webhook transport: which addresses are allowed, the signature (after Stripe's scheme), and
one signed POST without redirects.

Allowed: https (http only with settings.WEBHOOK_ALLOW_HTTP), private networks and loopback
(offices run their receivers on their own premises). Refused: credentials in the address,
other schemes, and link-local and cloud metadata addresses, both when the address is saved
and when a delivery connects (a name that resolves there later is refused too).
"""

import hashlib
import hmac
import http.client
import ipaddress
import re
import socket
import ssl
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .sms import PermanentDeliveryError, TransientDeliveryError

# Link-local (cloud metadata at 169.254.169.254 and the IPv6 link-local range), AWS's IPv6
# metadata address and Alibaba Cloud's metadata address.
BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in ("169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32")
)
BLOCKED_HOSTNAMES = frozenset({"metadata.google.internal", "metadata"})
_HOSTNAME = re.compile(
    r"^[A-Za-z0-9]([A-Za-z0-9\-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9\-]{0,62}))*\.?$"
)

SIGNATURE_HEADER = "Caseflow-Signature"
EVENT_HEADER = "Caseflow-Event"
DELIVERY_HEADER = "Caseflow-Delivery"
USER_AGENT = "Caseflow-Webhooks/1"
# How much of a receiver's answer is read (and kept in last_error when it is not 2xx).
RESPONSE_READ_LIMIT = 2048


class WebhookUrlError(ValueError):
    """An address that is not allowed; the message is translated for the administrator."""


def address_blocked(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_unspecified or address.is_multicast:
        return True
    return any(address in network for network in BLOCKED_NETWORKS)


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _url_parts(url: str):
    """urlsplit with the checks of form: not empty, no spaces, a scheme allowed here."""
    if not url:
        raise WebhookUrlError(_("Enter the address of your receiver."))
    if any(ch.isspace() for ch in url) or len(url) > 500:
        raise WebhookUrlError(_("Enter a valid address (URL) without spaces."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookUrlError(_("Enter a valid address (URL).")) from exc
    if port == 0:
        raise WebhookUrlError(_("Enter a valid address (URL)."))
    scheme = parts.scheme.lower()
    allowed = ("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)
    if scheme not in allowed:
        if scheme == "http":
            raise WebhookUrlError(_("Use an https:// address: events are sent encrypted."))
        raise WebhookUrlError(_("Use an https:// address."))
    if parts.fragment:
        raise WebhookUrlError(_("Remove the part after # from the address."))
    return parts


def webhook_url_check(url: str) -> str:
    """The address, stripped, or WebhookUrlError with what is wrong with it."""
    url = (url or "").strip()
    parts = _url_parts(url)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise WebhookUrlError(
            _(
                "Remove the user name and password from the address: Caseflow signs each "
                "event instead, with the endpoint's secret."
            )
        )
    host = (parts.hostname or "").rstrip(".")
    address = _literal_address(host)
    if not host or (address is None and not _HOSTNAME.match(host)):
        raise WebhookUrlError(_("Enter a valid address (URL) with a host name."))
    if (address is not None and address_blocked(address)) or host.lower() in BLOCKED_HOSTNAMES:
        raise WebhookUrlError(
            _(
                "Link-local and cloud metadata addresses are not allowed. Use the address "
                "of your receiver (a private network address is fine)."
            )
        )
    return url


# --- signing -------------------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """hex HMAC-SHA256 of "<timestamp>.<body>" with the secret (its UTF-8 bytes) as the key."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets: list[str], timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<hex>`, with one v1 per secret (two during a rotation's overlap)."""
    return ",".join(
        [f"t={timestamp}", *(f"v1={signature(secret, timestamp, body)}" for secret in secrets)]
    )


def signature_verify(
    *, secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None
) -> bool:
    """What a receiver does (docs/webhooks.md has the same in a few lines): the timestamp is
    within `tolerance` seconds of now, and one of the v1 signatures matches."""
    timestamp, candidates = None, []
    for part in (header or "").split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


# --- sending -------------------------------------------------------------------------------------


class WebhookAttemptError(TransientDeliveryError):
    """The receiver did not take the event; retried with backoff."""

    def __init__(self, message: str, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


def _guarded_connection(address, timeout=None, source_address=None, **kwargs):
    """socket.create_connection, refusing blocked addresses (checked after DNS resolution,
    so a name pointed at a metadata address is refused at connect time)."""
    host, port = address
    last_error: OSError | None = None
    for family, kind, proto, _name, sockaddr in socket.getaddrinfo(
        host, port, 0, socket.SOCK_STREAM
    ):
        if address_blocked(ipaddress.ip_address(sockaddr[0].split("%")[0])):
            raise PermanentDeliveryError(
                f"{host} resolves to a link-local or metadata address ({sockaddr[0]}): refused"
            )
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not None:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            last_error = exc
            sock.close()
    raise last_error or OSError(f"{host} did not resolve")


def webhook_post(*, url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST once; returns the 2xx status. Anything else (a redirect, which is never followed,
    4xx, 5xx, a timeout, a refused connection) raises WebhookAttemptError with the status."""
    try:
        webhook_url_check(url)
    except WebhookUrlError as exc:
        raise PermanentDeliveryError(f"Address refused: {exc}") from exc
    parts = urlsplit(url)
    host = parts.hostname or ""
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    secure = parts.scheme.lower() == "https"
    # The port always given: http.client would read the end of an IPv6 literal as one.
    port = parts.port or (443 if secure else 80)
    connection: http.client.HTTPConnection
    if secure:
        connection = http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    # http.client connects through this attribute (both classes): the address check happens
    # on the resolved address. http.client never follows redirects, and no proxy is used.
    connection._create_connection = _guarded_connection  # type: ignore[attr-defined]
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                **headers,
            },
        )
        response = connection.getresponse()
        text = response.read(RESPONSE_READ_LIMIT).decode("utf-8", "replace")
    except PermanentDeliveryError:
        raise
    except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
        raise WebhookAttemptError(f"Receiver unreachable: {type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()
    if 200 <= response.status < 300:
        return response.status
    detail = f"Receiver answered HTTP {response.status}"
    if 300 <= response.status < 400:
        detail += " (a redirect: not followed; register the final address)"
    elif text.strip():
        detail += f": {text.strip()[:200]}"
    raise WebhookAttemptError(detail, status_code=response.status)
