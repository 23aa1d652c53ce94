"""Django's WSGI application on the test's own connection and transaction, for clients that
speak HTTP to it in-process (schemathesis' WSGI transport, httpx's WSGITransport): the whole
stack, middleware included, without a socket and without `live_server` (which flushes the
database after the test, the migrations' reference data with it)."""

import pytest
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections


@pytest.fixture
def wsgi_app(db, settings):
    """The handler closes "old" connections around each request, which inside a test's
    transaction would drop it: switched off meanwhile, as Django's test client does. The rate
    limit is lifted (a fuzzer sends more than a person)."""
    settings.API_RATE_LIMIT = "100000/min"
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
