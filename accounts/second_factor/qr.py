"""The enrolment QR code as inline SVG markup, drawn on the server (no script, no image
service, nothing a Content-Security-Policy has to allow beyond the page itself)."""

from base64 import b32encode

import segno
from django.utils.safestring import SafeString, mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice


def qr_svg(text: str, *, title: str) -> SafeString:
    """An <svg> of `text` as a QR code; `title` (escaped by segno) is its accessible name."""
    svg = segno.make(text, error="m").svg_inline(
        scale=4,
        border=4,
        dark="#000",
        light="#fff",
        title=title,
        svgclass="qr-code",
        lineclass=None,
    )
    return mark_safe(svg.replace("<svg ", '<svg role="img" focusable="false" ', 1))


def secret_for_typing(device: TOTPDevice) -> str:
    """The key in base32 as apps ask for it when typed in, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
