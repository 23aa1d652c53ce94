"""An administrator reads the system status page from the Staff pages, in Polish on a phone and
in English on a desktop: every dependency, the beat jobs, the outbox; a late beat job is marked.
axe-core checks every page; nothing is wider than the screen."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .conftest import wider_than_screen

pytestmark = pytest.mark.browser


def _text(english: str, polish: str):
    return re.compile(f"{re.escape(english)}|{re.escape(polish)}")


def test_an_administrator_reads_the_system_status_on_a_phone_in_polish(person, django_db_blocker):
    from workflows.system.models import BeatJobRun

    with django_db_blocker.unblock():
        # The SLA sweep last ran an hour ago: two intervals have long passed.
        an_hour_ago = timezone.now() - timedelta(hours=1)
        BeatJobRun.objects.update_or_create(
            task="workflows.tasks.sla_sweep",
            defaults={"last_started_at": an_hour_ago, "last_finished_at": an_hour_ago},
        )
    page = person("administrator", width=375, language="pl")
    page.goto("/")
    page.locator("label.nav-toggle-label").click()
    page.get_by_role("link", name=_text("Staff", "Pracownicy")).click()
    page.get_by_role("link", name=_text("System status", "Stan systemu")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        _text("System status", "Stan systemu")
    )
    sweep = page.get_by_role("row").filter(has_text="workflows-sla-sweep")
    expect(sweep.get_by_text("Opóźnione")).to_be_visible()
    assert wider_than_screen(page) == []


def test_the_status_page_on_a_desktop_in_english(person):
    page = person("administrator", width=1280, language="en")
    page.goto("/staff/system/")
    expect(page.get_by_role("heading", level=1)).to_have_text("System status")
    assert wider_than_screen(page) == []


def test_a_caseworker_has_no_status_page(person):
    page = person("caseworker", width=1280, language="en")
    response = page.goto("/staff/system/")
    assert response is not None and response.status == 403
