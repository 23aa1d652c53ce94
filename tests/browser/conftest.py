"""Browser tests: a real Chromium, driven by Playwright, against a live server on PostgreSQL.

How to write one (see tests/browser/test_smoke.py):

    pytestmark = pytest.mark.browser

    def test_caseworker_opens_a_task(site, person, axe):
        page = person("caseworker")                 # signed in, desktop width, English
        page.get_by_role("link", name="Inbox").click()
        expect(page.get_by_role("heading", name="Inbox")).to_be_visible()

- `site` (module scope) is the live server with the demo data loaded once per module
  (`seed_demo`: both offices, every demo login, DEMO_CASES_PER_OFFICE cases each, providers).
  Its `.url` is the base address. Tests of one module share the data: build what a journey
  changes through the services in the test (the database is open to the test body and its
  writes commit), so tests do not depend on each other's order. The database is emptied after the
  module.
- `person(username, width=1280, language=None)` opens a new browser context (its own cookies)
  at that width (375 for a phone), signs in through the sign-in page with the demo password,
  and returns the page. `language="pl"` switches the account's language first.
- Every page load in every context is checked with axe-core (axe-playwright-python). The test
  fails at its end if any page had a serious or critical violation; every check is listed in
  the run's summary (`-rA` shows it) and written to `.axe-results.json` at the repository root
  (ignored by git).
- `axe.check(page)` runs an extra check on the current state (for a page changed by script).

The browser is Debian's chromium at /usr/bin/chromium (CHROMIUM_PATH overrides). When it is
missing the browser tests skip with one line; with BROWSER_TESTS_REQUIRED=1 (set by .ci/run)
they fail instead, so CI cannot pass without them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# body are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_PASSWORD = "demo"
BLOCKING_IMPACTS = {"serious", "critical"}
AXE_RESULTS: list[dict] = []


def _browser_missing_reason() -> str | None:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as exc:  # pragma: no cover - installed by `make test`
        return f"browser tests need the dev dependencies ({exc.name}): run `make install`"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    ours = [item for item in items if Path(str(item.fspath)).is_relative_to(here)]
    for item in ours:
        # Tells pytest-django to set up the test database and to run these with the other
        # transactional tests (last); `_django_db_marker` below stops it wrapping or flushing
        # each test, since the data is the module's.
        item.add_marker(pytest.mark.django_db(transaction=True))
        item.add_marker(pytest.mark.browser)
    reason = _browser_missing_reason()
    if reason is None:
        return
    for item in ours:
        if True:
            if os.environ.get("BROWSER_TESTS_REQUIRED") == "1":
                item.add_marker(pytest.mark.xfail(reason=reason, run=False, strict=True))
            else:
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("BROWSER_TESTS_REQUIRED") == "1" and _browser_missing_reason():
        session.exitstatus = 1
    if AXE_RESULTS:
        (ROOT / ".axe-results.json").write_text(json.dumps(AXE_RESULTS, indent=1))


def pytest_terminal_summary(terminalreporter):
    if not AXE_RESULTS:
        return
    pages = {}
    for result in AXE_RESULTS:
        key = re.sub(r"/\d+/", "/<id>/", result["path"])
        seen = pages.setdefault(key, {"checks": 0, "serious": 0, "moderate": 0, "minor": 0})
        seen["checks"] += 1
        for violation in result["violations"]:
            impact = violation["impact"] or "minor"
            bucket = "serious" if impact in BLOCKING_IMPACTS else impact
            seen[bucket] = seen.get(bucket, 0) + len(violation["nodes"])
    terminalreporter.section("axe-core, per page visited by the browser tests")
    for path, seen in sorted(pages.items()):
        terminalreporter.write_line(
            f"{path}: {seen['checks']} checks, serious/critical {seen['serious']}, "
            f"moderate {seen['moderate']}, minor {seen['minor']}"
        )


@pytest.fixture(autouse=True)
def _django_db_marker(django_db_blocker):
    """Overrides pytest-django's: no transaction or flush per test, since the data lives for
    the module (see `site`); the database is open during the test for the live server's
    threads and the test body alike (writes commit, so the server sees them)."""
    with django_db_blocker.unblock():
        yield


# --- the browser --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


# --- the site -----------------------------------------------------------------------------------


class Site:
    def __init__(self, server):
        self.server = server

    @property
    def url(self) -> str:
        return self.server.url

    def __call__(self, path: str) -> str:
        return self.url + path


def _reset_database(reference_data: str):
    """Empty every table, then restore what the migrations put there (categories, roles...)."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    with connection.cursor() as cursor:
        tables = connection.introspection.django_table_names(only_existing=True)
        tables += [t for t in connection.introspection.table_names(cursor) if t not in tables]
        tables = [t for t in tables if t != "django_migrations"]
        cursor.execute(
            "TRUNCATE {} RESTART IDENTITY CASCADE".format(
                ", ".join(connection.ops.quote_name(t) for t in tables)
            )
        )
    ContentType.objects.clear_cache()
    apps.clear_cache()
    connection.creation.deserialize_db_from_string(reference_data)
    # The restored rows keep their ids: move each sequence past them (the seeded lookups and
    # forms would otherwise collide with the first row a test creates).
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(statement)
    ContentType.objects.clear_cache()


def _close_server_connections():
    """The live server's request threads leave their connections open: end them, so the test
    database can be emptied now and dropped at the end of the run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="session")
def _reference_data(browser_reference_data):
    """What the migrations put in the test database (taken by tests/conftest.py at the start
    of the session, before any transactional test could flush it)."""
    assert browser_reference_data, "the migrated reference data was not taken"
    return browser_reference_data


SNAPSHOTS = {"reference": "browser_snapshot_reference", "demo": "browser_snapshot_demo"}
_taken: set[str] = set()


def _tables(cursor) -> list[str]:
    from django.db import connection

    return [t for t in connection.introspection.table_names(cursor) if t != "django_migrations"]


def _snapshot_take(name: str) -> None:
    """Copy every table into a schema of its own: restoring it is a few INSERT ... SELECT,
    where loading the demo again takes seconds (once per browser module)."""
    from django.db import connection

    schema = SNAPSHOTS[name]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        for table in _tables(cursor):
            cursor.execute(f'CREATE TABLE {schema}."{table}" AS TABLE public."{table}"')
    _taken.add(name)


def _snapshot_restore(name: str) -> None:
    """Every table as the snapshot has it (triggers and foreign keys off while copying: the
    append-only logs refuse writes otherwise), then each sequence past the restored ids."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    schema = SNAPSHOTS[name]
    with connection.cursor() as cursor:
        tables = _tables(cursor)
        cursor.execute(
            "SELECT table_name, string_agg(quote_ident(column_name), ', ' ORDER BY"
            " ordinal_position) FROM information_schema.columns WHERE table_schema = 'public'"
            " AND is_generated = 'NEVER' GROUP BY table_name"
        )
        columns = dict(cursor.fetchall())
        cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            "TRUNCATE {} RESTART IDENTITY CASCADE".format(", ".join(f'"{t}"' for t in tables))
        )
        for table in tables:
            cols = columns[table]
            cursor.execute(
                f'INSERT INTO public."{table}" ({cols}) SELECT {cols} FROM {schema}."{table}"'
            )
        cursor.execute("SET session_replication_role = DEFAULT")
        # Every sequence past the restored ids, many-to-many tables' included.
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND (is_identity = 'YES'"
            " OR column_default LIKE 'nextval%%')"
        )
        for table, column in cursor.fetchall():
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'),"
                f' COALESCE(MAX("{column}"), 0) + 1, false) FROM "{table}"'
            )
    ContentType.objects.clear_cache()
    apps.clear_cache()


@pytest.fixture(scope="module")
def site(request, _reference_data, django_db_blocker):
    """The live server with the demo data, for one test module. The first module loads the
    demo and snapshots it (and the migrated state before it); the others restore snapshots."""
    from django.core.management import call_command
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost:0")
    with django_db_blocker.unblock():
        if "demo" in _taken:
            _snapshot_restore("demo")
        else:
            _reset_database(_reference_data)
            _snapshot_take("reference")
            with open(os.devnull, "w") as quiet:
                call_command("seed_demo", stdout=quiet)
            _snapshot_take("demo")
    try:
        yield Site(server)
    finally:
        server.stop()
        with django_db_blocker.unblock():
            _close_server_connections()
            _snapshot_restore("reference")
            from django.db import connections

            connections.close_all()  # so the test database can be dropped at the end


def choose(select, text: str) -> None:
    """Choose the option of a <select> whose visible text contains `text`."""
    value = select.locator("option", has_text=text).first.get_attribute("value")
    select.select_option(value)


def wider_than_screen(page) -> list[str]:
    """The visible elements that stick out past the right edge of the viewport (a page that
    scrolls sideways on a phone), as short descriptions; [] when everything fits."""
    return page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const out = [];
          for (const el of document.body.querySelectorAll('*')) {
            const box = el.getBoundingClientRect();
            if (box.width === 0 || box.right <= width + 1) continue;
            if (getComputedStyle(el).position === 'fixed') continue;
            let clipped = false;
            for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
              const o = getComputedStyle(p).overflowX;
              if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
            }
            if (clipped) continue;
            const name = el.tagName.toLowerCase() + (el.className ? '.' + el.className : '');
            const text = (el.innerText || '').slice(0, 40);
            out.push(`${name} right=${Math.round(box.right)} "${text}"`);
          }
          return out.slice(0, 10);
        }"""
    )


# --- people -------------------------------------------------------------------------------------


class AxeRecorder:
    """Runs axe-core on every page load of the contexts it watches."""

    def __init__(self, test_name: str):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.test_name = test_name
        self.failures: list[str] = []
        self.checked = 0
        self.pages = []
        self.running = False
        self.last_checked: dict[int, str] = {}

    def watch(self, page):
        self.pages.append(page)
        page.on("load", lambda loaded: self.check(loaded))

    def check_last_pages(self):
        """The page each context ended on (its load may not have been checked yet)."""
        for page in self.pages:
            if not page.is_closed() and self.last_checked.get(id(page)) != page.url:
                self.check(page)

    def check(self, page):
        from urllib.parse import urlsplit

        if self.running:  # a load during a check: the check in progress sees it through
            return
        self.running = True
        try:
            page.wait_for_load_state("load")
            results = self.axe.run(page).response
        except Exception as exc:  # a page that navigated away mid-check is checked on its load
            if any(s in str(exc) for s in ("navigat", "destroyed", "closed", "already running")):
                return
            raise
        finally:
            self.running = False
        self.checked += 1
        self.last_checked[id(page)] = page.url
        url = urlsplit(page.url)
        path = url.path
        violations = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"]],
            }
            for v in results["violations"]
        ]
        width = page.viewport_size["width"] if page.viewport_size else None
        AXE_RESULTS.append(
            {"test": self.test_name, "path": path, "width": width, "violations": violations}
        )
        for v in violations:
            if v["impact"] in BLOCKING_IMPACTS:
                self.failures.append(
                    f"{path} at {width}px: {v['impact']} {v['id']} ({v['help']}) on {v['nodes']}"
                )


@pytest.fixture
def axe(request):
    recorder = AxeRecorder(request.node.nodeid)
    yield recorder
    if recorder.failures:
        pytest.fail(
            "axe-core found serious or critical violations:\n" + "\n".join(recorder.failures),
            pytrace=False,
        )


@pytest.fixture
def person(site, browser, axe, django_db_blocker):
    """person(username, width=1280, language=None) -> a signed-in page in its own context."""
    contexts = []

    def sign_in(username: str, *, width: int = 1280, language: str | None = None):
        if language is not None:
            from accounts.models import User

            with django_db_blocker.unblock():
                User.objects.filter(username=username).update(preferred_language=language)
        height = 800 if width >= 700 else 740
        context = browser.new_context(
            viewport={"width": width, "height": height},
            locale={"pl": "pl-PL"}.get(language or "", "en-GB"),
            base_url=site.url,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        axe.watch(page)
        page.goto("/accounts/login/")
        page.get_by_label("Username").or_(page.get_by_label("Nazwa użytkownika")).fill(username)
        page.get_by_label("Password").or_(page.get_by_label("Hasło")).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").or_(
            page.get_by_role("button", name="Zaloguj")
        ).first.click()
        page.wait_for_load_state("load")
        assert "/accounts/login/" not in page.url, f"{username} could not sign in"
        return page

    yield sign_in
    axe.check_last_pages()
    for context in contexts:
        context.close()
