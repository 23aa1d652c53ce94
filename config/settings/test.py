"""Test settings: PostgreSQL and Redis, as production, with fast password hashing."""

import os
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/caseflow")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")

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
