"""Test settings: PostgreSQL and Redis, as production, with fast password hashing."""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/caseflow")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_of_xdist_worker(url: str, worker: str) -> str:
    """`make test` runs two pytest-xdist workers (gw0, gw1), each with its own test database
    (pytest-django) and, here, its own Redis database: REDIS_URL's number + 1 + the worker's,
    so the Celery worker tests of one never purge or take the other's messages."""
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) + 1 + int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{number}"))


if os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    os.environ["REDIS_URL"] = _redis_of_xdist_worker(
        os.environ["REDIS_URL"], os.environ["PYTEST_XDIST_WORKER"]
    )

from .base import *  # noqa: E402,F403
from .env import env_bool, env_list  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # A folder of the test run's own (tests/conftest.py empties it per test session).
    "attachments": attachments_storage(  # noqa: F405
        "", Path(os.environ.get("PRIVATE_MEDIA_ROOT", f"/tmp/caseflow-test-private-{os.getpid()}"))
    ),
}
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
DEMO_CASES_PER_OFFICE = 12  # the full 200 per office are exercised by `make run`

# The demo accounts (and the test suite's people) sign in with a password only; production
# keeps base.py's default. TWO_FACTOR_REQUIRED_ROLES in the environment still applies.
TWO_FACTOR_REQUIRED_ROLES = env_list("TWO_FACTOR_REQUIRED_ROLES", [])

# The API's rate-limit counters in this process's memory (base.py uses Redis when REDIS_URL is
# set): each test run starts from none, and tests that lower API_RATE_LIMIT clear them.
CACHES[API_THROTTLE_CACHE] = {  # noqa: F405
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "api-throttle-test",
}

# Local webhook receivers (a test's, a developer's) listen on plain http.
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", True)
