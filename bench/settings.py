"""Settings for the performance harness: the test settings, production-like where it matters.

Persistent connections as in production (the test settings close them after each request),
DEBUG off (no query log growing in memory), and the bench app installed so viewflow can
reference bench.timer_flow.
"""

from config.settings.test import *  # noqa: F403

DEBUG = False
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
if "bench" not in INSTALLED_APPS:  # noqa: F405
    INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405  (the in-process test Client)
