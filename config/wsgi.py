"""WSGI entry point (gunicorn config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

from config import DEFAULT_SETTINGS_MODULE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS_MODULE)
application = get_wsgi_application()


def worker_ready() -> None:
    """Load every view module now (the URLconf), then move what start-up made into the
    collector's permanent generation: a full collection then scans only what requests make.
    Without it, one request in ~20 paid 100-150 ms for a full collection over the start-up
    heap (measured on the API inbox list; docs/performance.md)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every view and its modules)
    gc.collect()
    gc.freeze()


worker_ready()
