"""The dashboard and the provider's answer as people use them (issue #13: item 10 and the
"Polish: fix" list): a manager drills down into overdue work and exports it, a provider
answers a referral, a Polish manager reads the dashboard, and at phone width the header and
the filters leave most of the first screen to the figures. axe-core checks every page."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from case_flows.models import Referral, ReferralStatus

pytestmark = pytest.mark.browser

LATE = re.compile(r"(?:(\d+) days?)?\s*(?:(\d+) hours?)?\s*(?:(\d+) minutes?)?")


@pytest.fixture(scope="module", autouse=True)
def overdue_work(site, django_db_blocker):
    """The demo's deadlines as the minute sweep would have left them: the past-due ones
    breached, so the dashboard has overdue tasks of different lateness."""
    from workflows.sla.sweep import sla_sweep

    with django_db_blocker.unblock():
        sla_sweep()


def _hours(text: str) -> float:
    match = LATE.fullmatch(text.strip())
    assert match and any(match.groups()), f"not a duration: {text!r}"
    days, hours, minutes = (int(part or 0) for part in match.groups())
    return days * 24 + hours + minutes / 60


def _column(page, header: str) -> list[str]:
    headers = page.get_by_role("columnheader").all_inner_texts()
    index = headers.index(header)
    return [
        row.get_by_role("cell").nth(index).inner_text() for row in page.get_by_role("row").all()[1:]
    ]


def test_manager_drills_down_into_overdue_work_and_exports_it(person):
    page = person("manager")
    page.goto("/dashboard/")
    page.get_by_role("link", name=re.compile(r"^\d+ Overdue tasks$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases with overdue tasks")
    lateness = _column(page, "Overdue by")
    assert len(lateness) >= 2
    hours = [_hours(text) for text in lateness]
    assert hours == sorted(hours, reverse=True), lateness  # most late first
    references = _column(page, "Reference")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    content = open(download.value.path(), encoding="utf-8-sig").read()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][-1] == "Overdue by (days)"
    assert [row[0] for row in rows[1:]][: len(references)] == references
    days = [float(row[-1]) for row in rows[1:]]
    assert days == sorted(days, reverse=True)

    with page.expect_download() as download:
        page.get_by_role("link", name="Export XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")

    # One caseworker's caseload, from the chart: the title names her, no raw parameter.
    page.goto("/dashboard/")
    page.get_by_role("group", name="Open cases per caseworker").get_by_role(
        "link", name=re.compile("Akosua Mensah")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open cases of Akosua Mensah")
    expect(page.get_by_text("owner:")).to_have_count(0)

    page.goto("/dashboard/")
    page.get_by_role("group", name="Open cases by age").get_by_role(
        "link", name=re.compile("31–90 days")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open cases aged 31–90 days")
    expect(page.get_by_text("bucket")).to_have_count(0)


def test_provider_answers_a_referral_with_only_the_answers_it_allows(person):
    page = person("provider")
    expect(page.get_by_role("heading", level=1, name="Referrals to us")).to_be_visible()
    row = (
        page.get_by_role("row").filter(has=page.get_by_role("cell", name="Sent", exact=True)).first
    )
    reference = row.get_by_role("cell").first.inner_text()
    row.get_by_role("link", name="Open").click()
    answer = page.get_by_label("Answer")
    assert answer.locator("option").all_inner_texts() == ["Accept", "Decline"]
    answer.select_option(label="Accept")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_text("The referral is recorded as accepted.")).to_be_visible()
    referral = Referral.objects.filter(
        case__reference=reference, responded_by=User.objects.get(username="provider")
    ).first()
    assert referral is not None and referral.status == ReferralStatus.ACCEPTED

    # back on the list: the accepted referral now offers only its completion
    accepted = (
        page.get_by_role("row")
        .filter(has_text=reference)
        .filter(has=page.get_by_role("cell", name="Accepted", exact=True))
    )
    accepted.first.get_by_role("link", name="Open").click()
    assert page.get_by_label("Answer").locator("option").all_inner_texts() == ["Completed"]


def test_polish_provider_has_referrals_waiting(person):
    page = person("dostawca", language="pl")
    expect(page.get_by_role("heading", level=1, name="Skierowania do nas")).to_be_visible()
    expect(page.get_by_role("link", name="Otwórz").first).to_be_visible()


def test_dashboard_in_polish(person):
    page = person("kierownik", language="pl")
    page.goto("/dashboard/")
    expect(page.get_by_role("heading", level=1, name="Pulpit")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^\d+ Sprawy po terminie$")).click()
    # the title was English here: built with gettext when the module was imported
    expect(page.get_by_role("heading", level=1)).to_have_text("Sprawy po terminie")
    expect(page.get_by_role("columnheader").first).to_have_text("Sygnatura")


@pytest.mark.parametrize("username, path", [("manager", "/dashboard/"), ("caseworker", "/inbox/")])
def test_header_and_filters_take_under_a_third_of_a_phone_screen(person, username, path):
    page = person(username, width=375)
    page.goto(path)
    height = page.viewport_size["height"]
    header = page.get_by_role("banner").bounding_box()
    assert header["height"] < height / 3, header
    if path == "/dashboard/":
        filters = page.get_by_text("Filters", exact=False).first.bounding_box()
        assert filters["y"] + filters["height"] < height / 3
        # the figures start on the first screen
        first_figure = page.get_by_role("link", name=re.compile(r"^\d+ Open cases$"))
        assert first_figure.bounding_box()["y"] < height
    # the menu button opens the links, the user and sign-out
    page.get_by_text("☰").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link").first).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_the_polish_dashboard_fits_a_phone(person):
    """Nothing sticks out past a 375 px screen (the "by deadline" table did, in Polish)."""
    from .conftest import wider_than_screen

    page = person("kierownik", width=375, language="pl")
    page.goto("/dashboard/")
    expect(page.get_by_role("heading", level=1, name="Pulpit")).to_be_visible()
    assert wider_than_screen(page) == []
