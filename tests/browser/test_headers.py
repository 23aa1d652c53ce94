"""The Content-Security-Policy in a real browser: walking the daily pages of every role at
desktop and phone widths (and the administration, the mailbox, the sign-in page) raises no
violation; what used inline script (the language switcher, the dashboard's filters) still
works; and the warning before an idle session ends, driven by a fast-forwarded page clock."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# Forwards every violation the page sees to the test (a binding, not a request: it works
# under the policy, and catches what the console may word differently).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.reportCspViolation(
    `${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`
  );
});
"""


class Violations:
    """Every CSP violation (event or console message) of the pages it watches."""

    def __init__(self):
        self.found: list[str] = []

    def watch(self, page) -> None:
        context = page.context
        if not getattr(context, "_csp_watched", False):
            context.expose_binding(
                "reportCspViolation", lambda source, text: self.found.append(f"{page.url}: {text}")
            )
            context.add_init_script(REPORT_VIOLATIONS)
            context._csp_watched = True
        page.on("console", lambda message: self._console(page, message))

    def _console(self, page, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.found.append(f"{page.url}: console: {message.text}")


@pytest.fixture
def violations():
    return Violations()


@pytest.fixture(scope="module")
def places(site, django_db_blocker):
    """Ids behind the daily pages, from the demo data."""
    from viewflow.workflow.models import Task

    from accounts.models import User
    from case_flows.models import Case
    from notifications.models import MailboxMessage
    from workflows.approvals.models import Approval, ApprovalStatus

    with django_db_blocker.unblock():
        caseworker = User.objects.get(username="caseworker")
        task = (
            Task.objects.filter(owner=caseworker, status__in=["NEW", "ASSIGNED", "STARTED"])
            .order_by("pk")
            .first()
        )
        case = Case.objects.filter(owner=caseworker).order_by("pk").first()
        approval = (
            Approval.objects.filter(status=ApprovalStatus.PENDING, office__code="BEK")
            .order_by("pk")
            .first()
        )
        message = MailboxMessage.objects.create(
            from_email="caseflow@localhost",
            to="ama@example.org",
            subject="Deadline missed: BEK-2026-000123",
            body="Open in Caseflow",
            html='<body style="font-family: sans-serif"><h1 style="font-size: 1.2rem">'
            "Deadline missed</h1><p>Open in Caseflow</p></body>",
            language="en",
        )
        return {
            "task": task.pk,
            "case": case.pk,
            "approval": approval.pk,
            "message": message.pk,
            "caseworker": caseworker.pk,
        }


def daily_pages(places) -> dict[str, list[str]]:
    return {
        "caseworker": [
            "/inbox/",
            f"/tasks/{places['task']}/",
            "/cases/",
            f"/cases/{places['case']}/",
            "/cases/new/",
            "/notifications/",
        ],
        "supervisor": ["/approvals/", f"/approvals/{places['approval']}/", "/inbox/"],
        "manager": ["/dashboard/", "/dashboard/cases/?figure=open", "/cases/"],
        "provider": ["/referrals/to-us/"],
    }


def visit(page, path: str) -> None:
    response = page.goto(path)
    status = response.status if response is not None else None
    assert status == 200, f"{path}: {status}"
    expect(page.get_by_role("heading", level=1).first).to_be_visible()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_daily_pages_raise_no_policy_violation(person, places, violations, width):
    for username, paths in daily_pages(places).items():
        page = person(username, width=width)
        violations.watch(page)
        for path in paths:
            visit(page, path)
        # A form with errors: its summary's focus script is a static file.
        if username == "caseworker":
            page.goto("/cases/new/?new=1")
            page.get_by_role("button", name="Open the case").click()
            expect(page.locator("#error-summary")).to_be_focused()
    assert violations.found == []


def _plain_page(browser, site, username: str, violations: Violations, width: int = 1280):
    """A signed-in page outside the axe harness (the administration is Django's own)."""
    context = browser.new_context(viewport={"width": width, "height": 800}, base_url=site.url)
    page = context.new_page()
    violations.watch(page)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")
    assert "/accounts/login/" not in page.url
    return page


def test_sign_in_administration_and_mailbox_raise_no_policy_violation(
    browser, site, places, violations
):
    page = _plain_page(browser, site, "admin", violations)  # the sign-in page was watched too
    try:
        page.goto("/admin/")
        expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
        page.goto("/admin/accounts/user/")
        # The changelist's script works: the search filters the list.
        page.get_by_role("searchbox").fill("caseworker2")
        page.keyboard.press("Enter")
        expect(page.get_by_role("link", name="caseworker2", exact=True)).to_be_visible()
        page.goto(f"/admin/accounts/user/{places['caseworker']}/change/")
        expect(page.get_by_role("heading", name="Change user")).to_be_visible()
        # The groups' two-box selector is built by the admin's scripts.
        expect(page.locator("#id_groups_from")).to_be_attached()
        page.goto("/dev/mailbox/")
        page.goto(f"/dev/mailbox/{places['message']}/")
        page.get_by_text("HTML version", exact=True).first.click()
        frame = page.frame_locator("iframe.mail-html")
        expect(frame.get_by_role("heading", name="Deadline missed")).to_be_visible()
        # The e-mail's own inline style applies inside its frame (its own policy).
        size = frame.get_by_role("heading").evaluate("h => getComputedStyle(h).fontSize")
        assert size != "32px", size  # not the browser's default h1 size
    finally:
        page.context.close()
    assert violations.found == []


@pytest.mark.parametrize("width", [1280, 375])
def test_the_language_switcher_works_without_inline_script(person, violations, width, db_user):
    page = person("caseworker2", width=width)
    violations.watch(page)
    try:
        page.goto("/inbox/")
        switcher = page.get_by_label("Language")
        if not switcher.is_visible():  # on a phone it sits in the menu
            page.get_by_text("☰").click()
        with page.expect_navigation():
            switcher.select_option("pl")
        expect(page.get_by_role("heading", level=1, name="Zadania")).to_be_visible()
        switcher = page.get_by_label("Język")
        if not switcher.is_visible():
            page.get_by_text("☰").click()
        with page.expect_navigation():
            switcher.select_option("en")
        expect(page.get_by_role("heading", level=1, name="Inbox")).to_be_visible()
    finally:
        db_user("caseworker2", preferred_language="")
    assert violations.found == []


@pytest.fixture
def db_user(django_db_blocker):
    def update(username: str, **values):
        from accounts.models import User

        with django_db_blocker.unblock():
            User.objects.filter(username=username).update(**values)

    return update


@pytest.mark.parametrize("width, folded", [(1280, False), (375, True)])
def test_the_dashboard_filters_open_on_a_desktop_and_work(person, violations, width, folded):
    page = person("manager", width=width)
    violations.watch(page)
    page.goto("/dashboard/")
    risk = page.get_by_label("Risk")
    if folded:
        expect(risk).to_be_hidden()
        page.locator("summary", has_text="Filters").click()
    expect(risk).to_be_visible()
    risk.select_option("high")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"risk=high"))
    expect(page.locator("summary", has_text="Filters")).to_contain_text("High")
    assert violations.found == []


# --- the warning before an idle session ends ----------------------------------------------------


def _session_set_back(page, django_db_blocker, seconds_idle: float) -> None:
    """Make the server believe the person last did something `seconds_idle` ago."""
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.sessions import LAST_ACTIVITY_AT

    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    with django_db_blocker.unblock():
        session = SessionStore(session_key=key)
        session[LAST_ACTIVITY_AT] = time.time() - seconds_idle
        session.save()


def _stored_activity(page, django_db_blocker) -> float:
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.sessions import LAST_ACTIVITY_AT

    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    with django_db_blocker.unblock():
        return SessionStore(session_key=key)[LAST_ACTIVITY_AT]


@pytest.mark.parametrize("width", [1280, 375])
def test_the_warning_before_the_idle_end(person, axe, django_db_blocker, violations, width):
    page = person("caseworker", width=width)
    violations.watch(page)
    page.clock.install()
    page.goto("/cases/?q=a")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    dialog = page.get_by_role("dialog", name="Are you still working?")
    expect(dialog).to_be_hidden()

    # 28 minutes pass with nothing done; the server agrees (the page asks it first).
    _session_set_back(page, django_db_blocker, 28 * 60)
    page.clock.fast_forward("28:00")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("you will be signed out in 2 minutes")
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    countdown = dialog.get_by_role("timer")
    expect(countdown).to_have_text(re.compile(r"^[12]:\d\d$"))
    first = countdown.inner_text()
    page.clock.fast_forward(5000)
    expect(countdown).not_to_have_text(first)  # it counts down
    axe.check(page)

    # Escape is "Stay signed in": the server records the activity and the dialog closes.
    before = _stored_activity(page, django_db_blocker)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert _stored_activity(page, django_db_blocker) > before + 20 * 60

    # Again, and this time the time runs out: the sign-in page says why, and signing in
    # brings the person back to the same list.
    _session_set_back(page, django_db_blocker, 28 * 60)
    page.clock.fast_forward("28:00")
    expect(dialog).to_be_visible()
    _session_set_back(page, django_db_blocker, 30 * 60 + 5)
    page.clock.fast_forward("02:10")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fcases%2F%3Fq%3Da$"))
    signed_out = "You were signed out after 30 minutes without activity."
    expect(page.get_by_text(signed_out)).to_be_visible()
    page.get_by_label("Username").fill("caseworker")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/cases/\?q=a$"))
    assert violations.found == []


def test_the_warning_offers_sign_out(person, django_db_blocker):
    page = person("supervisor")
    page.clock.install()
    page.goto("/approvals/")
    _session_set_back(page, django_db_blocker, 29 * 60)
    page.clock.fast_forward("29:00")
    dialog = page.get_by_role("dialog", name="Are you still working?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_activity_in_another_tab_keeps_this_one_signed_in(person, django_db_blocker):
    first = person("manager")
    first.clock.install()
    first.goto("/cases/")
    _session_set_back(first, django_db_blocker, 28 * 60)
    first.clock.fast_forward("28:00")
    dialog = first.get_by_role("dialog", name="Are you still working?")
    expect(dialog).to_be_visible()

    # The same person works in a second tab of the same browser.
    second = first.context.new_page()
    second.goto("/dashboard/")
    expect(second.get_by_role("heading", level=1, name="Dashboard")).to_be_visible()
    expect(dialog).to_be_hidden()  # the first tab heard of it, and the server agreed
    assert _stored_activity(first, django_db_blocker) > time.time() - 60
