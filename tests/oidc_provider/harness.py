"""The test OpenID provider (server.mjs: panva/node-oidc-provider under Node.js) for the single
sign-on tests, and the Django settings that point Caseflow at it.

    @pytest.fixture(scope="module")
    def oidc_provider():
        with running_provider() as provider:   # a subprocess on a free port, killed after
            yield provider

    with sso_enabled(**sso_settings(provider)):  # settings + the SSO URLs, undone after
        ...

`make test` installs it (`npm ci --prefix tests/oidc_provider`). Without Node.js or the
installed package the tests skip with the reason; under BROWSER_TESTS_REQUIRED=1 (CI) they fail.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests

PROVIDER_DIR = Path(__file__).resolve().parent
SERVER = PROVIDER_DIR / "server.mjs"
CONFIG = json.loads((PROVIDER_DIR / "accounts.json").read_text(encoding="utf-8"))
CLIENT_ID = CONFIG["client"]["client_id"]
CLIENT_SECRET = CONFIG["client"]["client_secret"]
ACCOUNTS = {account["login"]: account for account in CONFIG["accounts"]}
PROVIDER_NAME = "Test ID"
START_TIMEOUT = 30
NODE_AT_LEAST = (20, 19)  # node-oidc-provider 9 (package.json "engines")


def _node_version() -> tuple[int, ...]:
    result = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=30)
    return tuple(int(part) for part in result.stdout.strip().lstrip("v").split(".")[:2])


def provider_missing_reason() -> str | None:
    if shutil.which("node") is None:
        return (
            "the single sign-on tests run a real OpenID provider under Node.js, and `node` "
            "is not installed (Debian: apt-get install nodejs npm; then make test)"
        )
    if _node_version() < NODE_AT_LEAST:
        return "the test OpenID provider needs Node.js {}.{} or later".format(*NODE_AT_LEAST)
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
        return (
            "the test OpenID provider is not installed: run "
            "`npm ci --prefix tests/oidc_provider` (make test does)"
        )
    return None


def require_provider() -> None:
    """Skip (locally) or fail (CI: BROWSER_TESTS_REQUIRED=1) when the provider cannot run."""
    reason = provider_missing_reason()
    if reason is None:
        return
    if os.environ.get("BROWSER_TESTS_REQUIRED") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@dataclass
class OpenIDProvider:
    issuer: str
    process: subprocess.Popen
    log_path: Path

    def url(self, path: str) -> str:
        return self.issuer + path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def sign_in(
        self,
        start_url: str,
        login: str,
        *,
        password: str | None = None,
        cancel: bool = False,
        browser: requests.Session | None = None,
    ) -> str:
        """A person at the provider: open the authorization URL Caseflow redirected to, sign
        in (or cancel) on its form, and follow its redirects until they leave the provider.
        Returns where the provider sends the browser back (Caseflow's callback and its query).
        `browser` keeps the provider's cookies (its session) for a later step."""
        browser = browser if browser is not None else requests.Session()
        page = browser.get(start_url, timeout=10)
        assert page.status_code == 200 and "/interaction/" in page.url, page.text[:500]
        form = {
            "login": login,
            "password": password if password is not None else ACCOUNTS[login]["password"],
            "action": "cancel" if cancel else "login",
        }
        response = browser.post(page.url, data=form, allow_redirects=False, timeout=10)
        while response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if not location.startswith(self.issuer):
                return location
            response = browser.get(location, allow_redirects=False, timeout=10)
        raise AssertionError(f"the provider did not send the browser back: {response.text[:500]}")


def _read_issuer(process: subprocess.Popen, log_path: Path) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT)
    line = process.stdout.readline() if ready else ""
    if not line:
        process.kill()
        raise RuntimeError(
            "the test OpenID provider did not start:\n" + log_path.read_text(errors="replace")
        )
    return json.loads(line)["issuer"]


def _wait_for_discovery(issuer: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            response = requests.get(issuer + "/.well-known/openid-configuration", timeout=2)
            if response.status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the test OpenID provider at {issuer} does not answer")
        time.sleep(0.1)


@contextmanager
def running_provider() -> Iterator[OpenIDProvider]:
    require_provider()
    log = tempfile.NamedTemporaryFile(prefix="oidc-provider-", suffix=".log", delete=False)
    log_path = Path(log.name)
    process = subprocess.Popen(
        ["node", str(SERVER)],
        cwd=PROVIDER_DIR,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        issuer = _read_issuer(process, log_path)
        _wait_for_discovery(issuer)
        yield OpenIDProvider(issuer=issuer, process=process, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        if process.stdout is not None:
            process.stdout.close()
        log_path.unlink(missing_ok=True)


# --- Caseflow's side ----------------------------------------------------------------------------


def sso_settings(provider: OpenIDProvider, *, discovery: bool = True, **overrides: Any) -> dict:
    """OIDC settings for Caseflow against this provider: by issuer discovery, or (discovery=False)
    with every endpoint spelled out and no issuer."""
    from django.conf import settings

    from accounts.sso import BACKEND_PATH

    values: dict[str, Any] = {
        "OIDC_ENABLED": True,
        "OIDC_PROVIDER_NAME": PROVIDER_NAME,
        "OIDC_RP_CLIENT_ID": CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_ISSUER": provider.issuer,
        "AUTHENTICATION_BACKENDS": [*settings.AUTHENTICATION_BACKENDS, BACKEND_PATH],
    }
    if not discovery:
        values.update(
            OIDC_ISSUER="",
            OIDC_OP_AUTHORIZATION_ENDPOINT=provider.url("/auth"),
            OIDC_OP_TOKEN_ENDPOINT=provider.url("/token"),
            OIDC_OP_USER_ENDPOINT=provider.url("/me"),
            OIDC_OP_JWKS_ENDPOINT=provider.url("/jwks"),
        )
    values.update(overrides)
    _allow_sign_out_redirect(values)
    return values


def _allow_sign_out_redirect(values: dict[str, Any]) -> None:
    """What the settings do for OIDC_OP_LOGOUT_ENDPOINT from the environment: its origin in
    OIDC_FORM_ACTION_SOURCES and, when a Content-Security-Policy (django-csp) is configured,
    in its form-action."""
    from django.conf import settings

    logout = urlsplit(values.get("OIDC_OP_LOGOUT_ENDPOINT") or "")
    if not logout.netloc:
        return
    origin = f"{logout.scheme}://{logout.netloc}"
    values["OIDC_FORM_ACTION_SOURCES"] = [origin]
    policy = copy.deepcopy(getattr(settings, "CONTENT_SECURITY_POLICY", None) or {})
    form_action = policy.get("DIRECTIVES", {}).get("form-action")
    if form_action is not None:
        policy["DIRECTIVES"]["form-action"] = [*form_action, origin]
        values["CONTENT_SECURITY_POLICY"] = policy


def _reload_urls() -> None:
    from django.conf import settings
    from django.urls import clear_url_caches

    importlib.reload(importlib.import_module(settings.ROOT_URLCONF))
    clear_url_caches()


@contextmanager
def sso_enabled(**values: Any) -> Iterator[None]:
    """The settings as the environment would give them, and config/urls.py read again with
    them (its SSO URLs exist only when OIDC_ENABLED); both undone after."""
    from django.test import override_settings

    override = override_settings(**values)
    override.enable()
    try:
        _reload_urls()
        yield
    finally:
        override.disable()
        _reload_urls()
