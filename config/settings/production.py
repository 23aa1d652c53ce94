"""Production settings: refuse an unsafe configuration rather than run with it."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import INSECURE_DEV_SECRET_KEY, INSTALLED_FROM_WHEEL, SECRET_KEY
from .env import env_bool, env_int, env_list, env_str

DEBUG = False

if not SECRET_KEY or SECRET_KEY == INSECURE_DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak: use at least 50 random characters "
        "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )
if any(mark in SECRET_KEY for mark in "<> \t'\""):
    raise ImproperlyConfigured(
        "SECRET_KEY looks like a placeholder or a pasted command (it holds <, >, a space or a "
        "quote): put the generated key itself in the environment file."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names this site serves.")
if not env_str("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production.")
if not (env_str("CELERY_BROKER_URL") or env_str("REDIS_URL")):
    raise ImproperlyConfigured("REDIS_URL (or CELERY_BROKER_URL) must be set in production.")

if INSTALLED_FROM_WHEEL and not env_str("CASEFLOW_DATA_DIR"):
    raise ImproperlyConfigured(
        "CASEFLOW_DATA_DIR must name a folder for static files and uploads (docs/install.md)."
    )

REFUSE_DEMO_PASSWORDS = True

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

# JSON log lines by default in production (LOG_FORMAT=text for a readable line).
LOG_FORMAT = env_str("LOG_FORMAT", "json")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f'LOG_FORMAT must be "text" or "json", got {LOG_FORMAT!r}')
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
# Prometheus scrapes the web server directly (plain HTTP, inside the network): /metrics is not
# redirected to https (it answers only allowed addresses or the token; docs/operations.md).
SECURE_REDIRECT_EXEMPT = [r"^metrics$"]
