"""Single sign-on in the browser: a person clicks "Sign in with Test ID" on Caseflow's sign-in
page, signs in at a real OpenID provider (tests/oidc_provider: node-oidc-provider, started
here) and lands signed in on their start page; an account that names nobody is sent back with
the reason; signing out ends the provider's session too. axe-core checks every page, the
provider's included."""

import pytest
from playwright.sync_api import expect

from accounts.models import AccountAction, AccountEvent, User
from tests.browser.conftest import wider_than_screen
from tests.oidc_provider.harness import ACCOUNTS, running_provider, sso_enabled, sso_settings

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sso_site(site, django_db_blocker):
    """The live server with SSO on (discovered from the provider's issuer), signing out at the
    provider too."""
    with running_provider() as provider:
        values = sso_settings(provider, OIDC_OP_LOGOUT_ENDPOINT=provider.url("/session/end"))
        with sso_enabled(**values):
            yield site


@pytest.fixture
def visitor(sso_site, browser, axe):
    """visitor(width=1280, locale="en-GB") -> a page in a new browser context, signed in
    nowhere (the browser's language picks Caseflow's)."""
    contexts = []

    def open_page(width: int = 1280, locale: str = "en-GB"):
        context = browser.new_context(
            viewport={"width": width, "height": 800 if width >= 700 else 740},
            locale=locale,
            base_url=sso_site.url,
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


def sign_in_at_provider(page, login: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with Test ID").click()
    expect(page.get_by_role("heading", name="Sign in to Test ID")).to_be_visible()
    page.get_by_label("Login name").fill(login)
    page.get_by_label("Password").fill(ACCOUNTS[login]["password"])
    page.get_by_role("button", name="Continue").click()


def test_a_caseworker_signs_in_with_the_provider_and_out_again(visitor, sso_site):
    page = visitor()
    sign_in_at_provider(page, "akosua")  # Caseworker@Example.org: the demo caseworker
    expect(page.get_by_role("heading", level=1, name="Inbox")).to_be_visible()
    assert page.url == sso_site("/inbox/")
    expect(page.get_by_text("Akosua Mensah · BEK")).to_be_visible()
    caseworker = User.objects.get(username="caseworker")
    assert AccountEvent.objects.filter(
        action=AccountAction.SSO_SIGNED_IN, subject=caseworker
    ).exists()

    # Out of Caseflow, then (asked) out of the provider, and back on Caseflow's sign-in page.
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    assert page.url == sso_site("/accounts/login/")
    page.goto("/inbox/")
    assert page.url.startswith(sso_site("/accounts/login/"))  # signed out here
    page.get_by_role("link", name="Sign in with Test ID").click()
    # Signed out there too: the provider asks for the password again.
    expect(page.get_by_role("heading", name="Sign in to Test ID")).to_be_visible()


def test_a_manager_lands_on_the_page_they_asked_for(visitor, sso_site):
    page = visitor()
    page.goto("/cases/")
    assert page.url.startswith(sso_site("/accounts/login/?next="))
    page.get_by_role("link", name="Sign in with Test ID").click()
    page.get_by_label("Login name").fill("kofi")  # manager@example.org
    page.get_by_label("Password").fill(ACCOUNTS["kofi"]["password"])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1, name="Cases")).to_be_visible()
    assert page.url == sso_site("/cases/")


def test_an_account_that_names_nobody_is_turned_away_on_a_phone(visitor, sso_site):
    page = visitor(width=375)
    page.goto("/accounts/login/")
    assert wider_than_screen(page) == []
    sign_in_at_provider(page, "stranger")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    expect(
        page.get_by_text(
            "Your Test ID account is not linked to a Caseflow account. "
            "Ask your office's manager to link it."
        )
    ).to_be_visible()
    assert page.url == sso_site("/accounts/login/")
    assert wider_than_screen(page) == []
    page.goto("/inbox/")
    assert page.url.startswith(sso_site("/accounts/login/"))  # not signed in
    event = AccountEvent.objects.filter(action=AccountAction.SSO_REFUSED).latest("id")
    assert event.details["reason"] == "no_match"
    assert event.details["value"] == "stranger@example.org"


def test_a_polish_visitor_is_offered_the_provider_and_told_why_in_polish(visitor, sso_site):
    page = visitor(width=375, locale="pl-PL")
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Zaloguj się przez Test ID").click()
    page.get_by_label("Login name").fill("stranger")
    page.get_by_label("Password").fill(ACCOUNTS["stranger"]["password"])
    page.get_by_role("button", name="Continue").click()
    expect(
        page.get_by_text(
            "Twoje konto Test ID nie jest powiązane z żadnym kontem w Caseflow. "
            "Poproś kierownika swojej jednostki o jego powiązanie."
        )
    ).to_be_visible()
    assert wider_than_screen(page) == []
