"""Two-step sign-in in the browser: a supervisor whose role requires it is sent to enrolment
right after the password, reads the key off the page, types the code an authenticator app
would show (computed here from that key), keeps the backup codes, signs out, and signs in again
with a code. At desktop width in English and at phone width in Polish; axe checks each page.

The requirement is switched on for these tests only (pytest-django's `settings` changes the
settings of the process, which the live server's threads share); the demo and the rest of the
suite sign in with a password alone (config/settings/test.py).
"""

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from .conftest import DEMO_PASSWORD, wider_than_screen

pytestmark = pytest.mark.browser

# Each text in English, then Polish (the Polish from the translation catalogue, once merged).
ENROL_HEADING = re.compile("Set up two-step sign-in|Skonfiguruj logowanie dwuetapowe")
KEY_LABEL = re.compile("Type this key into the app|Wpisz ten klucz w aplikacji")
CODE_LABEL = re.compile("Code from your authenticator app|Kod z aplikacji uwierzytelniającej")
TURN_ON = re.compile("Turn on two-step sign-in|Włącz logowanie dwuetapowe")
CODES_HEADING = re.compile("Your backup codes|Twoje kody zapasowe")
CONTINUE_SAVED = re.compile("I have saved them: continue|Zapisane, dalej")
VERIFY_HEADING = re.compile("^(Two-step sign-in|Logowanie dwuetapowe)$")
CONTINUE = re.compile("^(Continue|Dalej)$")
LOG_OUT = re.compile("Log out|Wyloguj")
STATUS_LINK = re.compile("^(Two-step sign-in|Logowanie dwuetapowe)$")


@pytest.fixture
def second_factor_required(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["supervisor", "manager", "administrator", "superuser"]


def app_code(key: bytes, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows now (or `steps_ahead` steps of 30 s later)."""
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def sign_in_with_password(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label(re.compile("Username|Nazwa użytkownika")).fill(username)
    page.get_by_label(re.compile("Password|Hasło")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|Zaloguj")).first.click()
    page.wait_for_load_state("load")


@pytest.mark.parametrize(
    ("username", "width", "language", "landing"),
    [
        ("supervisor", 1280, "en", "Approvals"),
        ("koordynator", 375, "pl", "Zatwierdzenia"),
    ],
)
def test_supervisor_enrols_and_signs_in_again_with_a_code(
    second_factor_required, person, username, width, language, landing
):
    page = person(username, width=width, language=language)

    # Sent to enrolment right after the password, with nowhere else to go.
    expect(page.get_by_role("heading", level=1, name=ENROL_HEADING)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR"))).to_be_visible()
    expect(
        page.get_by_role("link", name=re.compile("^(Inbox|Zadania|Cases|Sprawy)$"))
    ).to_have_count(0)
    page.goto("/cases/")
    expect(page.get_by_role("heading", level=1, name=ENROL_HEADING)).to_be_visible()
    if width < 700:
        assert wider_than_screen(page) == []

    # The key as typed into an app by hand: eight groups of four.
    key_text = page.get_by_label(KEY_LABEL).input_value()
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key_text), key_text
    key = b32decode(key_text.replace(" ", ""))

    page.get_by_label(CODE_LABEL).fill(app_code(key))
    page.get_by_role("button", name=TURN_ON).click()

    # The backup codes, once.
    expect(page.get_by_role("heading", level=1, name=CODES_HEADING)).to_be_visible()
    codes = page.get_by_role("listitem").filter(has=page.locator("code"))
    expect(codes).to_have_count(10)
    if width < 700:
        assert wider_than_screen(page) == []
    page.get_by_role("link", name=CONTINUE_SAVED).click()
    # On to the page asked for while enrolment was owed.
    expect(
        page.get_by_role("heading", level=1, name=re.compile("^(Cases|Sprawy)$"))
    ).to_be_visible()

    # Sign out; the password alone no longer opens the account.
    if width < 700:
        page.get_by_label(re.compile("Menu")).check()
    page.get_by_role("button", name=LOG_OUT).click()
    sign_in_with_password(page, username)
    expect(page.get_by_role("heading", level=1, name=VERIFY_HEADING)).to_be_visible()
    page.get_by_label(CODE_LABEL).fill(app_code(key, steps_ahead=1))  # the enrolment's was used
    page.get_by_role("button", name=CONTINUE).click()
    expect(page.get_by_role("heading", level=1).first).to_contain_text(landing)

    # The person's own status page, from the user menu.
    if width < 700:
        page.get_by_label(re.compile("Menu")).check()
    page.get_by_role("link", name=STATUS_LINK).click()
    expect(page.get_by_text(re.compile(r"(On since|Włączone od) \d"))).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text=re.compile(r"^10$"))).to_be_visible()
    if width < 700:
        assert wider_than_screen(page) == []


def test_a_wrong_code_is_a_clear_message_in_the_browser(second_factor_required, person, site):
    """The demo manager, enrolled through the service, types a wrong code, then the right one."""
    from accounts.models import User
    from accounts.second_factor.services import second_factor_enrol, second_factor_enrolment_begin

    manager = User.objects.get(username="manager")
    device = second_factor_enrolment_begin(actor=manager)
    second_factor_enrol(actor=manager, code=app_code(device.bin_key))

    page = person("manager", width=375)
    expect(page.get_by_role("heading", level=1, name=VERIFY_HEADING)).to_be_visible()
    page.get_by_label(CODE_LABEL).fill("1234567")  # a digit too many: tried as a backup code
    page.get_by_role("button", name=CONTINUE).click()
    expect(page.get_by_text("That code is not correct. 4 tries left.")).to_be_visible()
    page.get_by_label(CODE_LABEL).fill(app_code(device.bin_key, steps_ahead=1))
    page.get_by_role("button", name=CONTINUE).click()
    expect(page.get_by_role("heading", level=1).first).to_contain_text("Dashboard")
