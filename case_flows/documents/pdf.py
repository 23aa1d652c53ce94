"""HTML to PDF with WeasyPrint, for generated documents and decisions. Nothing is fetched from
the network: a template may refer only to files under the static folders (the letterhead's
logo, a stylesheet), which the fetcher reads from disk."""

from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.translation import gettext as _

STATIC_PREFIX = "static:"
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


class PdfError(Exception):
    """A template referred to something we refuse to fetch: WeasyPrint logs it and leaves
    the image or stylesheet out."""


def _fetcher(url: str, *args, **kwargs):
    """Only `static:<path>` (a file of the static folders) and data: URLs; never the network
    or an arbitrary file."""
    from weasyprint import default_url_fetcher

    if url.startswith("data:"):
        return default_url_fetcher(url, *args, **kwargs)
    if url.startswith(STATIC_PREFIX):
        found = finders.find(url[len(STATIC_PREFIX) :].lstrip("/"))
        if found:
            path = Path(found).resolve()
            return {"string": path.read_bytes(), "filename": path.name}
    raise PdfError(_("The document refers to %(url)s, which is not allowed.") % {"url": url})


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML document (UTF-8; fonts from the system's fontconfig: DejaVu is
    installed by `make install` for Polish letters)."""
    from weasyprint import HTML  # imported here: loading Pango costs ~0.3 s at start-up

    return HTML(string=html, url_fetcher=_fetcher, base_url=str(settings.SITE_DIR)).write_pdf()
