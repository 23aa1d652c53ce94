"""Optional error reporting: off without a DSN; what an event keeps of a request."""

import importlib.util

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.observability.sentry import scrub_event, sentry_init


def test_no_dsn_no_reporting():
    assert sentry_init(dsn="", environment="", release="") is False


@pytest.mark.skipif(importlib.util.find_spec("sentry_sdk") is not None, reason="installed")
def test_a_dsn_without_the_package_says_how_to_install_it():
    with pytest.raises(ImproperlyConfigured, match="pip install sentry-sdk"):
        sentry_init(dsn="https://key@errors.example.org/1", environment="", release="")


def test_an_event_loses_the_body_cookies_query_credentials_user_and_sql():
    event = {
        "request": {
            "method": "POST",
            "url": "https://welfare.example.org/cases/?q=Kowalska",
            "query_string": "q=Kowalska",
            "data": {"given_name": "Anna", "family_name": "Kowalska"},
            "cookies": {"sessionid": "abc"},
            "env": {"REMOTE_ADDR": "198.51.100.7"},
            "headers": {
                "Cookie": "sessionid=abc",
                "Authorization": "Bearer t",
                "User-Agent": "Firefox",
                "X-Forwarded-For": "198.51.100.7",
            },
        },
        "user": {"id": 3, "email": "cw@example.org"},
        "breadcrumbs": {
            "values": [
                {"category": "query", "message": "SELECT … WHERE family_name = 'Kowalska'"},
                {"category": "django.request", "message": "Not Found: /x/"},
            ]
        },
    }
    scrubbed = scrub_event(event, {})
    assert scrubbed["request"] == {
        "method": "POST",
        "url": "https://welfare.example.org/cases/",
        "headers": {"User-Agent": "Firefox"},
    }
    assert "user" not in scrubbed
    assert [crumb["category"] for crumb in scrubbed["breadcrumbs"]["values"]] == ["django.request"]
    assert "Kowalska" not in repr(scrubbed)
