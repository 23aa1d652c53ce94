"""API credentials in the browser: a caseworker makes a personal token in English, sees it
once, calls the API with it (a request from the test, as their script would) and revokes it;
an office administrator registers an API client in Polish at phone width and the client gets a
token with its id and secret. The documentation page (Swagger UI) renders its operations under
the Content-Security-Policy. axe-core checks every page of the journeys."""

import base64
import json
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect

from api.models import ApiClient, PersonalToken

from .conftest import CHROMIUM, CHROMIUM_ARGS, wider_than_screen

pytestmark = pytest.mark.browser


def _either(english: str, polish: str):
    """Either language: the Polish catalogue of this change is merged by the lead."""
    return re.compile(f"{re.escape(english)}|{re.escape(polish)}")


def _call(url: str, *, token: str = "", data: dict | None = None, basic: str = ""):
    """(status, JSON body) of a request as a script would make it."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if basic:
        headers["Authorization"] = "Basic " + base64.b64encode(basic.encode()).decode()
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_caseworker_makes_a_token_uses_it_and_revokes_it(person, site):
    page = person("caseworker")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    page.get_by_role("link", name="Create a token").click()

    page.get_by_label(re.compile("^Name:?$")).fill("Monthly report")
    page.get_by_label(re.compile("Read cases, their records and timeline")).check()
    page.get_by_label(re.compile("Read the inbox, the team queue and tasks")).check()
    page.get_by_label(re.compile("^Expires after")).select_option("7")
    page.get_by_role("button", name="Create the token").click()

    expect(page.get_by_role("status")).to_contain_text("“Monthly report” was created")
    expect(page.get_by_text("Copy it now: it is not shown again.")).to_be_visible()
    value = page.get_by_label("Token", exact=True).input_value()
    assert value.startswith("cfp_")

    status, me = _call(site("/api/v1/me/"), token=value)
    assert status == 200
    assert me["username"] == "caseworker" and me["scopes"] == ["cases:read", "tasks:read"]

    page.get_by_role("link", name="Back to your tokens").click()
    row = page.get_by_role("row").filter(has_text="Monthly report")
    expect(row).to_contain_text("Active")
    assert value not in page.content()  # shown once: only its beginning from now on
    token = PersonalToken.objects.get(created_by__username="caseworker", name="Monthly report")
    expect(row).to_contain_text(token.prefix)
    expect(row).not_to_contain_text("—")  # created, expires and last used (the call) are set

    row.get_by_role("link", name=re.compile("Revoke")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Revoke the token")
    page.get_by_role("button", name="Revoke the token").click()
    expect(page.get_by_role("status")).to_contain_text("was revoked")
    expect(page.get_by_role("row").filter(has_text="Monthly report")).to_contain_text("Revoked")

    status, refusal = _call(site("/api/v1/me/"), token=value)
    assert (status, refusal["code"]) == (401, "token_revoked")


def test_a_polish_administrator_registers_an_api_client_on_a_phone(person, site):
    page = person("administrator", width=375, language="pl")
    page.goto("/")
    page.locator("label.nav-toggle-label").click()
    page.get_by_role("link", name=_either("Staff", "Pracownicy")).click()
    assert wider_than_screen(page) == []
    page.get_by_role("link", name=_either("API clients", "Klienci API")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(_either("API clients", "Klienci API"))
    assert wider_than_screen(page) == []
    page.get_by_role(
        "link", name=_either("Register an API client", "Zarejestruj klienta API")
    ).click()
    assert wider_than_screen(page) == []

    page.get_by_label(re.compile("^(Name|Nazwa):?$")).fill("System świadczeń")
    page.get_by_label(re.compile("Read cases|Odczyt: sprawy")).check()
    page.get_by_label(re.compile("Read people|Odczyt: osoby")).check()
    page.get_by_label(re.compile("^(Role of the new account|Rola nowego konta)")).select_option(
        "manager"
    )
    page.get_by_role("button", name=_either("Register the client", "Zarejestruj klienta")).click()

    client_id = page.get_by_label(_either("Client ID", "Identyfikator klienta")).input_value()
    secret = page.get_by_label(_either("Client secret", "Sekret klienta")).input_value()
    assert client_id and len(secret) > 40
    assert wider_than_screen(page) == []
    registered = ApiClient.objects.get(client_id=client_id)
    assert registered.office.code == "SOC" and registered.name == "System świadczeń"
    assert registered.service_account.role_names == {"manager"}

    status, token = _call(
        site("/api/v1/oauth/token/"),
        data={"grant_type": "client_credentials"},
        basic=f"{client_id}:{secret}",
    )
    assert status == 200 and sorted(token["scope"].split()) == ["cases:read", "people:read"]
    status, me = _call(site("/api/v1/me/"), token=token["access_token"])
    assert status == 200 and me["username"] == registered.service_account.username
    assert me["office"] == "SOC"

    page.get_by_role("link", name=_either("Done", "Gotowe")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("System świadczeń")
    assert secret not in page.content()
    assert wider_than_screen(page) == []


def test_the_documentation_page_renders_under_the_content_security_policy(site, _playwright):
    """Swagger UI from the sidecar package's files: its operations are shown, and the browser
    reports nothing refused by the policy (nor any other error)."""
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        outside: list[str] = []
        page.on(
            "request",
            lambda r: outside.append(r.url) if not r.url.startswith((site.url, "data:")) else None,
        )
        response = page.goto(site("/api/v1/docs/"))
        assert "script-src 'self'" in response.headers["content-security-policy"]
        expect(page.get_by_text("/api/v1/me/").first).to_be_visible()
        expect(page.get_by_role("button", name=re.compile("Authorize"))).to_be_visible()
        page.get_by_text("/api/v1/me/").first.click()  # opens the operation
        expect(page.get_by_role("button", name="Try it out")).to_be_visible()
        page.get_by_role("button", name=re.compile("^Authorize$")).click()  # both schemes
        expect(page.get_by_text("clientCredentials").first).to_be_visible()
        expect(page.get_by_text("personalToken").first).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert errors == []
        assert outside == []
    finally:
        browser.close()
