"""The optional virus scan: clamd's INSTREAM command over a unix socket (CLAMD_SOCKET) or TCP
(CLAMD_HOST, CLAMD_PORT). Not configured: no scan (the upload checks still apply). Configured
but unreachable: the upload is refused (a scanner that is down must not let files through).

A small client of the documented protocol (zINSTREAM, 4-byte big-endian chunk lengths, a zero
length to end; the answer "stream: OK" or "stream: <name> FOUND"), rather than the `clamd`
package, which has not been released since 2016.
"""

import logging
import socket
import struct

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .validation import AttachmentRefused

logger = logging.getLogger(__name__)
CHUNK = 64 * 1024


def scanner_configured() -> bool:
    return bool(settings.CLAMD_SOCKET or settings.CLAMD_HOST)


def _connect() -> socket.socket:
    timeout = settings.CLAMD_TIMEOUT_SECONDS
    if settings.CLAMD_SOCKET:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(settings.CLAMD_SOCKET)
        return sock
    return socket.create_connection((settings.CLAMD_HOST, settings.CLAMD_PORT), timeout=timeout)


def clamd_instream(content: bytes) -> str:
    """Send the bytes to clamd; returns its answer without the trailing NUL."""
    with _connect() as sock:
        sock.sendall(b"zINSTREAM\0")
        for start in range(0, len(content), CHUNK):
            chunk = content[start : start + CHUNK]
            sock.sendall(struct.pack("!L", len(chunk)) + chunk)
        sock.sendall(struct.pack("!L", 0))
        answer = b""
        while not answer.endswith(b"\0"):
            part = sock.recv(4096)
            if not part:
                break
            answer += part
    return answer.rstrip(b"\0").decode("utf-8", "replace").strip()


def virus_scan(content: bytes) -> None:
    """Raise AttachmentRefused when clamd finds something or cannot be asked."""
    if not scanner_configured():
        return
    try:
        answer = clamd_instream(content)
    except OSError:
        logger.exception("clamd could not be reached")
        raise AttachmentRefused(
            _("The file could not be checked for viruses just now. Try again in a few minutes.")
        ) from None
    if answer.endswith("FOUND"):
        logger.warning("clamd refused an upload: %s", answer)
        raise AttachmentRefused(_("The virus scanner found a threat in this file: it is refused."))
    if not answer.endswith("OK"):
        logger.error("clamd answered %r", answer)
        raise AttachmentRefused(
            _("The file could not be checked for viruses just now. Try again in a few minutes.")
        )
