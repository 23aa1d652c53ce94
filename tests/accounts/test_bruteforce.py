"""A real brute-force attempt against the live server over HTTP (cookies, CSRF), as in the
issue: 50 wrong passwords, then the right one. Then password spraying: one password against
many usernames from one address. Run with -s to read what was measured."""

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from accounts.models import AccountAction, AccountEvent, Role
from tests.factories import make_user

PASSWORD = "pass-Word-123"  # tests.factories.make_user

pytestmark = pytest.mark.django_db(transaction=True)


class Browser:
    """One visitor over real HTTP: a cookie jar, the CSRF token, no redirects followed."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str]:
        body = None
        headers = {"Referer": self.base_url + path}
        if method == "POST":
            token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **(data or {})}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=headers
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self, username: str, password: str) -> tuple[int, str]:
        if not any(c.name == "csrftoken" for c in self.jar):
            status, _body = self.request("GET", "/accounts/login/")
            assert status == 200
        return self.request(
            "POST", "/accounts/login/", {"username": username, "password": password}
        )

    @property
    def signed_in(self) -> bool:
        return any(c.name == "sessionid" for c in self.jar)


def message_of(body: str) -> str:
    found = re.search(r'<div class="msg msg-error" role="alert">(.*?)</div>', body, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip() if found else ""


def test_fifty_wrong_passwords_then_the_right_one(live_server, office, settings):
    victim = make_user(Role.CASEWORKER, office, username="akosua")
    manager = make_user(Role.MANAGER, office, username="office-manager")
    attacker = Browser(live_server.url)

    started = time.monotonic()
    statuses = [attacker.sign_in("akosua", f"guess-{n:03d}")[0] for n in range(50)]
    elapsed = time.monotonic() - started
    status, body = attacker.sign_in("akosua", PASSWORD)

    locked_after = statuses.index(429) + 1
    print(
        f"\nbrute force over HTTP: {len(statuses)} wrong passwords in {elapsed:.1f} s; "
        f"answers {statuses[: locked_after + 1]}... (locked at attempt {locked_after}); "
        f"then the right password: {status}, message: {message_of(body)!r}"
    )
    assert statuses[: settings.LOCKOUT_FAILURES - 1] == [200] * (settings.LOCKOUT_FAILURES - 1)
    assert locked_after == settings.LOCKOUT_FAILURES == 5
    assert set(statuses[locked_after - 1 :]) == {429}
    assert status == 429 and not attacker.signed_in
    assert "too many failed sign-in attempts for this account" in message_of(body)
    assert "You can try again in 30 minutes." in message_of(body)

    failed = AccountEvent.objects.filter(action=AccountAction.SIGN_IN_FAILED, subject=victim)
    assert failed.count() == 51
    assert set(failed.values_list("address", flat=True)) == {"127.0.0.1"}
    assert failed.filter(details__refused_while_locked=True).count() == 51 - locked_after
    locked = AccountEvent.objects.get(action=AccountAction.LOCKED_OUT)
    assert locked.subject == victim and locked.address == "127.0.0.1"

    # The office's manager unlocks the account over HTTP; the person signs in at once.
    office_manager = Browser(live_server.url)
    assert office_manager.sign_in("office-manager", PASSWORD)[0] == 302
    unlock_path = f"/accounts/users/{victim.pk}/unlock/"
    status, page = office_manager.request("GET", unlock_path)
    assert status == 200 and "Locked until" in page
    assert office_manager.request("POST", unlock_path)[0] == 302
    unlocked = AccountEvent.objects.get(action=AccountAction.UNLOCKED)
    assert unlocked.actor == manager and unlocked.subject == victim

    person = Browser(live_server.url)
    assert person.sign_in("akosua", PASSWORD)[0] == 302 and person.signed_in


def test_password_spraying_from_one_address_is_stopped_at_its_limit(live_server, office, settings):
    make_user(Role.CASEWORKER, office, username="colleague")
    usernames = [f"staff{n:02d}" for n in range(30)]
    for username in usernames:
        make_user(Role.CASEWORKER, office, username=username)
    attacker = Browser(live_server.url)

    started = time.monotonic()
    statuses = [attacker.sign_in(username, "Summer2026!")[0] for username in usernames]
    elapsed = time.monotonic() - started
    locked_after = statuses.index(429) + 1
    print(
        f"\npassword spraying over HTTP: 1 password against {len(usernames)} usernames in "
        f"{elapsed:.1f} s; the address was locked at attempt {locked_after}"
    )
    assert locked_after == settings.LOCKOUT_FAILURES_PER_ADDRESS == 20
    assert set(statuses[locked_after - 1 :]) == {429}

    # A colleague at the same address (the office's NAT) now waits too...
    status, body = Browser(live_server.url).sign_in("colleague", PASSWORD)
    assert status == 429 and "from your network" in message_of(body)
    locked = AccountEvent.objects.get(action=AccountAction.LOCKED_OUT)
    assert locked.details["locked_by"] == ["address"]


@pytest.fixture
def server_processes(transactional_db):
    """The application under gunicorn with 4 worker processes, on the test database: guesses
    that arrive together are checked in parallel, as in production (the threaded live server
    of the other tests runs one Python process)."""
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    from django.db import connection

    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "0",
        "DEBUG": "false",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", "4", "-b", f"127.0.0.1:{port}"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if Browser(url).request("GET", "/accounts/login/")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_burst_of_parallel_guesses_gets_no_more_than_the_limit(
    server_processes, office, settings
):
    """Twenty guesses sent at the same moment, on their own connections, to four server
    processes: the password is checked for the first five only (sign-ins to one username are
    checked one at a time), every other one is refused by the lock."""
    import threading

    from axes.models import AccessAttempt
    from django.db.models import Sum

    make_user(Role.CASEWORKER, office, username="target")
    attackers = [Browser(server_processes) for _ in range(20)]
    for attacker in attackers:
        attacker.request("GET", "/accounts/login/")  # each has its CSRF cookie
    start = threading.Barrier(len(attackers))
    statuses: list[int] = []

    def guess(attacker, n):
        start.wait()
        statuses.append(attacker.sign_in("target", f"parallel-{n}")[0])

    threads = [
        threading.Thread(target=guess, args=(attacker, n)) for n, attacker in enumerate(attackers)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started
    checked = AccessAttempt.objects.filter(username="target").aggregate(
        n=Sum("failures_since_start")
    )["n"]
    failed = AccountEvent.objects.filter(action=AccountAction.SIGN_IN_FAILED, username="target")
    print(
        f"\n{len(attackers)} guesses at once to 4 server processes ({elapsed:.1f} s): "
        f"{checked} checked against the password, "
        f"{failed.filter(details__refused_while_locked=True).count()} refused by the lock; "
        f"answers {sorted(statuses)}"
    )
    assert len(statuses) == len(attackers)
    assert checked == settings.LOCKOUT_FAILURES
    assert failed.count() == len(attackers)
    refused = failed.filter(details__refused_while_locked=True).count()
    assert refused == len(attackers) - settings.LOCKOUT_FAILURES
    assert statuses.count(200) == settings.LOCKOUT_FAILURES - 1
    assert Browser(server_processes).sign_in("target", PASSWORD)[0] == 429
