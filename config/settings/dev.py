"""Development settings: the embedded default (SQLite, filesystem broker), DEBUG on."""

from .base import *  # noqa: F403
from .env import env_bool, env_list

DEBUG = env_bool("DEBUG", True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The demo accounts (and the test suite's people) sign in with a password only; production
# keeps base.py's default. TWO_FACTOR_REQUIRED_ROLES in the environment still applies.
TWO_FACTOR_REQUIRED_ROLES = env_list("TWO_FACTOR_REQUIRED_ROLES", [])
# Local webhook receivers (a test's, a developer's) listen on plain http.
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", True)
