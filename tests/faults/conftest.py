"""The fault suite: what many people at once, a killed worker, a missing broker and cut
database connections do to a running system. Each test prints what it did and found."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

PASSWORD = "pass-Word-123"  # tests.factories.make_user
EVIDENCE: list[str] = []


def report(line: str) -> None:
    """What a fault test did and found: printed, and repeated at the end of the run."""
    print(line)
    EVIDENCE.append(line.strip())


def pytest_terminal_summary(terminalreporter):
    if EVIDENCE:
        terminalreporter.section("fault suite: what was done and what was found")
        for line in EVIDENCE:
            terminalreporter.write_line(line)


class HttpUser:
    """One person's browser session over real HTTP (cookies, CSRF), no redirects followed."""

    def __init__(self, base_url: str, username: str):
        self.base_url = base_url
        self.username = username
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )
        self.login()

    def _csrf(self) -> str:
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str]:
        body = None
        headers = {"Referer": self.base_url + path}
        if method == "POST":
            fields = {"csrfmiddlewaretoken": self._csrf(), **(data or {})}
            body = urllib.parse.urlencode(fields, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        req = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=headers
        )
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data=None):
        return self.request("POST", path, data)

    def login(self):
        status, _body = self.get("/accounts/login/")
        assert status == 200
        status, body = self.post(
            "/accounts/login/", {"username": self.username, "password": PASSWORD}
        )
        assert status == 302, f"{self.username} could not sign in: {status} {body[:300]}"


def message_of(body: str) -> str:
    """The error message a page shows (the messages list), for the report."""
    found = re.search(r'class="msg msg-error">([^<]+)<', body)
    return found.group(1).strip() if found else ""


@pytest.fixture
def people(live_server):
    def sign_in(*usernames):
        return [HttpUser(live_server.url, name) for name in usernames]

    return sign_in
