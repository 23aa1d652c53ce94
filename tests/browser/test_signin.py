"""Sign-in as people meet it: a person who gets their password wrong is locked out and told so
(English and Polish) until their manager unlocks them; a person who forgot their password sets
a new one from the link in their e-mail, on a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, wider_than_screen

pytestmark = pytest.mark.browser

NEW_PASSWORD = "lantern-harbour-Quiet-93"
NEW_PASSWORD_LABEL = re.compile(r"^New password:?$")
CONFIRMATION_LABEL = re.compile(r"^New password confirmation:?$")


@pytest.fixture(autouse=True)
def _no_lockout_left_behind():
    """Every browser test signs in from 127.0.0.1: what one test locks must not lock the next
    (the harness empties every table after the module too)."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()
    yield
    AccessAttempt.objects.all().delete()


@pytest.fixture
def visitor(site, browser, axe):
    """visitor(width=1280, language="en") -> a page in a new context, not signed in."""
    contexts = []

    def open_page(*, width: int = 1280, language: str = "en"):
        context = browser.new_context(
            viewport={"width": width, "height": 800 if width >= 700 else 740},
            locale={"pl": "pl-PL"}.get(language, "en-GB"),
            base_url=site.url,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        axe.watch(page)
        return page

    yield open_page
    axe.check_last_pages()
    for context in contexts:
        context.close()


def _sign_in(page, username, password, *, username_label, password_label, button):
    page.goto("/accounts/login/")
    page.get_by_label(username_label).fill(username)
    page.get_by_label(password_label, exact=True).fill(password)
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state("load")


def test_a_person_is_locked_out_after_five_wrong_passwords(visitor, settings):
    from accounts.models import AccountAction, AccountEvent

    page = visitor()
    english = {"username_label": "Username", "password_label": "Password", "button": "Sign in"}
    for attempt in range(1, settings.LOCKOUT_FAILURES):
        _sign_in(page, "caseworker2", f"wrong-{attempt}", **english)
        expect(page.get_by_text("The username or password is not correct.")).to_be_visible()
    _sign_in(page, "caseworker2", "wrong-5", **english)
    expect(page.get_by_role("heading", level=1, name="Sign-in is locked")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("You can try again in 30 minutes.")

    _sign_in(page, "caseworker2", DEMO_PASSWORD, **english)  # the right password: refused too
    expect(page.get_by_role("heading", level=1, name="Sign-in is locked")).to_be_visible()
    assert "/accounts/login/" in page.url
    assert AccountEvent.objects.filter(
        action=AccountAction.LOCKED_OUT, username="caseworker2"
    ).exists()
    assert (
        AccountEvent.objects.filter(
            action=AccountAction.SIGN_IN_FAILED, username="caseworker2"
        ).count()
        == 6
    )


def test_a_polish_person_is_locked_out_and_their_manager_unlocks_them(visitor, person):
    from accounts.models import AccountAction, AccountEvent, User

    page = visitor(width=375, language="pl")
    polish = {"username_label": "Nazwa użytkownika", "password_label": "Hasło", "button": "Zaloguj"}
    for attempt in range(5):
        _sign_in(page, "koordynator", f"zle-haslo-{attempt}", **polish)
    expect(page.get_by_role("heading", level=1, name="Logowanie jest zablokowane")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Możesz spróbować ponownie za 30 minut.")
    assert wider_than_screen(page) == []

    manager = person("kierownik", language="pl")
    coordinator = User.objects.get(username="koordynator")
    manager.goto(f"/accounts/users/{coordinator.pk}/unlock/")
    expect(manager.get_by_text("Zablokowane do")).to_be_visible()
    manager.get_by_role("button", name="Odblokuj").click()
    expect(manager.get_by_text("może się ponownie zalogować")).to_be_visible()
    assert AccountEvent.objects.filter(
        action=AccountAction.UNLOCKED, subject=coordinator, actor__username="kierownik"
    ).exists()

    _sign_in(page, "koordynator", DEMO_PASSWORD, **polish)
    assert "/accounts/login/" not in page.url


def test_a_person_resets_their_password_from_the_mailbox_link_on_a_phone(
    visitor, person, site, settings
):
    from accounts.models import AccountAction, AccountEvent, User
    from config.celery import app

    settings.EMAIL_BACKEND = settings.MAILBOX_EMAIL_BACKEND
    settings.SITE_URL = site.url
    # What the worker does: send the e-mail (here in the server's thread, at once).
    app.conf.task_always_eager = True
    try:
        page = visitor(width=375)
        page.goto("/accounts/login/")
        page.get_by_role("link", name="Forgot your password?").click()
        expect(page.get_by_role("heading", level=1, name="Forgot your password?")).to_be_visible()
        page.get_by_label("Email").fill("caseworker@example.org")
        page.get_by_role("button", name="Send the link").click()
        expect(page.get_by_role("heading", level=1, name="Check your e-mail")).to_be_visible()
        assert wider_than_screen(page) == []
    finally:
        app.conf.task_always_eager = False

    # The e-mail, as it arrived (an administrator reads the development mailbox).
    User.objects.filter(username="itadmin").exists() or User.objects.create_user(
        username="itadmin", password="demo", is_staff=True, first_name="IT", last_name="Admin"
    )
    mailbox = person("itadmin")
    mailbox.get_by_role("link", name="Mailbox").click()
    row = mailbox.get_by_role("row").filter(has_text="caseworker@example.org")
    row.filter(has_text="Set a new Caseflow password").first.get_by_role("link").click()
    expect(mailbox.get_by_text("Hello Akosua,")).to_be_visible()
    link = mailbox.get_by_role("link", name=re.compile(r"password.reset.\w+"))
    href = link.get_attribute("href")
    assert href.startswith(site.url)

    # The person opens the link on their phone and chooses a new password.
    page.goto(href)
    expect(page.get_by_role("heading", level=1, name="Choose a new password")).to_be_visible()
    page.get_by_label(NEW_PASSWORD_LABEL).fill("caseflow-2026!!")
    page.get_by_label(CONFIRMATION_LABEL).fill("caseflow-2026!!")
    page.get_by_role("button", name="Set the password").click()
    expect(page.get_by_role("alert").first).to_contain_text("the name of this system")
    page.get_by_label(NEW_PASSWORD_LABEL).fill(NEW_PASSWORD)
    page.get_by_label(CONFIRMATION_LABEL).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the password").click()
    expect(page.get_by_role("heading", level=1, name="Your new password is set")).to_be_visible()
    assert wider_than_screen(page) == []
    page.get_by_role("link", name="Sign in").last.click()
    english = {"username_label": "Username", "password_label": "Password", "button": "Sign in"}
    _sign_in(page, "caseworker", NEW_PASSWORD, **english)
    assert "/accounts/login/" not in page.url
    assert AccountEvent.objects.filter(
        action=AccountAction.PASSWORD_RESET, subject__username="caseworker"
    ).exists()

    # The same link a second time: spent.
    page.goto(href)
    expect(page.get_by_role("heading", level=1, name="This link does not work")).to_be_visible()
    _demo_password_back("caseworker")


def test_a_person_changes_their_password_from_the_user_menu(person):
    page = person("caseworker2")
    page.get_by_role("link", name="Change password").click()
    page.get_by_label("Old password").fill(DEMO_PASSWORD)
    page.get_by_label(NEW_PASSWORD_LABEL).fill(NEW_PASSWORD)
    page.get_by_label(CONFIRMATION_LABEL).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password has been changed.")).to_be_visible()
    page.goto("/inbox/")  # still signed in
    assert "/accounts/login/" not in page.url
    _demo_password_back("caseworker2")


def _demo_password_back(username):
    """The module's other tests sign in with the demo password."""
    from accounts.models import User

    user = User.objects.get(username=username)
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
