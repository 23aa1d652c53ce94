"""Settings shared by every environment; everything deployment-specific comes from os.environ."""

import re
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.observability.logs import logging_config
from config.observability.sentry import sentry_init

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# What the code reads: templates/, static/ and locale/ beside config/ in a source checkout, or
# config/_site/ when installed from the wheel (setup.py copies them there; docs/install.md).
SITE_DIR = (
    BASE_DIR
    if (BASE_DIR / "templates").is_dir()
    else Path(__file__).resolve().parent.parent / "_site"
)
INSTALLED_FROM_WHEEL = SITE_DIR != BASE_DIR
# What it writes (collected static files, the embedded SQLite and broker, private files): the
# checkout in development; CASEFLOW_DATA_DIR on a server (required when installed from the wheel).
DATA_DIR = Path(env_str("CASEFLOW_DATA_DIR", str(BASE_DIR)))

# Only dev/test fall back to this; production.py refuses to start with it.
INSECURE_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", INSECURE_DEV_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "config.staticfinders.StaticFilesConfig",  # django.contrib.staticfiles, fewer files
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_fsm",
    "viewflow",
    "viewflow.workflow",
    "accounts",
    "case_flows",
    "workflows",
    "notifications",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "api",
]

MIDDLEWARE = [
    # First: /health/live and /health/ready answer before anything else runs (no session, no
    # user, no CSRF, no HTTPS redirect, no host check: a load balancer calls them by address).
    "config.health.HealthCheckMiddleware",
    # Then the request id, set before anything else can log (and echoed in X-Request-ID),
    # and the request's time and status are those the client got.
    "config.observability.middleware.RequestIdMiddleware",
    "config.observability.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: pages get the Content-Security-Policy, static files need none.
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the user, their language and the messages: ends an idle or too old session with
    # a message in the person's language (accounts/sessions.py).
    "accounts.sessions.SessionLifetimeMiddleware",
    # After auth, sessions and messages: a signed-in person who still owes the second factor
    # (or must enrol) reaches only the two-step pages, sign-out and the language switch.
    "accounts.second_factor.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Writes the access-log rows a view noted (case_flows/access_log), in one INSERT once
    # the view has answered; inside the 409/503 page below, outside nothing that could lose them.
    "case_flows.access_log.recording.AccessLogMiddleware",
    # Innermost: turns a view's lost race (409) or lost database (503) into a page that
    # offers to send the same input again.
    "workflows.middleware.DatabaseTroubleMiddleware",
    # A view's 404 gets the site's page under DEBUG too (make run shows what production does).
    "workflows.middleware.NotFoundPageMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SITE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.user_context",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker, beat and the demo seeder share the file: take the write lock
    # at BEGIN (IMMEDIATE) so a busy database is waited for (timeout) instead of failing
    # with "database is locked" on a read-to-write upgrade; WAL lets readers run meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_JIT_OFF", True
):
    # PostgreSQL's JIT compiles a large aggregate for 100-200 ms before running it; the
    # dashboard's national figures paid that on every view and never won it back.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.CaseflowModelBackend"]
# AUTH_PASSWORD_VALIDATORS and the lockout backend: the "signin" block below.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Demo accounts all use the password "demo"; production refuses it (see production.py).
REFUSE_DEMO_PASSWORDS = False
DEMO_PASSWORD = "demo"
DEMO_CASES_PER_OFFICE = env_int("DEMO_CASES_PER_OFFICE", 200)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("pl", _("Polish"))]
LOCALE_PATHS = [SITE_DIR / "locale"]
# One date format per language, day first (config/formats: "30 Nov 2026", "30.11.2026").
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
# Stored in UTC; every page is shown in the user's office timezone (accounts.middleware).
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "staticfiles")))
STATICFILES_DIRS = [SITE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "config.staticfinders.AppDirectoriesFinder",  # all but viewflow's unused front end
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# E-mail: the in-app mailbox (/dev/mailbox/, staff only) in development; SMTP from the
# environment in production (production.py); the test suite's locmem outbox (test.py).
MAILBOX_EMAIL_BACKEND = "notifications.backends.mailbox.MailboxEmailBackend"
EMAIL_BACKEND = env_str("EMAIL_BACKEND", MAILBOX_EMAIL_BACKEND)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "caseflow@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute base for links in e-mail and SMS bodies.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Covering indexes (Index.include) are PostgreSQL's; the embedded SQLite builds the same
# indexes without the extra columns, which is all it needs at demo size.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Celery: Redis when configured, otherwise a filesystem transport that needs no server.
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_BROKER_DIR = DATA_DIR / ".celery" / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "processed_folder": str(DATA_DIR / ".celery" / "processed"),
        "store_processed": False,
        # Exchange tables too, or kombu writes ./control/ in the working directory.
        "control_folder": str(DATA_DIR / ".celery" / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / ".celery" / "beat-schedule")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = False  # opted into per task, once the task is safe to run twice
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- observability (docs/operations.md, "Metrics and logs") ---
# Log lines: "text" (a readable line) or "json" (one object a line, for a log collector;
# production's default). Every line carries the request id (X-Request-ID), also in the
# Celery tasks a request enqueued.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f'LOG_FORMAT must be "text" or "json", got {LOG_FORMAT!r}')
LOGGING = logging_config(log_format=LOG_FORMAT, level=env_str("LOG_LEVEL", "INFO"))
# /metrics (Prometheus) answers these addresses or networks (a request that came through a
# proxy never counts as one), or a request with "Authorization: Bearer <METRICS_TOKEN>";
# anyone else gets a 404. Empty token: no token works.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
for _address in METRICS_ALLOWED_IPS:
    try:
        ip_network(_address, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {_address!r} is no address") from _exc
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# Errors to Sentry or a compatible service (GlitchTip, ...) when set; needs `pip install
# sentry-sdk`. No personal data is sent (config/observability/sentry.py).
SENTRY_DSN = env_str("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "")
SENTRY_RELEASE = env_str("SENTRY_RELEASE", "")
sentry_init(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT, release=SENTRY_RELEASE)
# --- end observability ---

# --- notifications ---
# SMS: a dotted path to a backend in notifications.backends.sms (console, file, locmem,
# HTTP gateway). The gateway payload is a string.Template with $to, $text, $sender, $reference.
SMS_BACKEND = env_str("SMS_BACKEND", "notifications.backends.sms.ConsoleSmsBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(DATA_DIR / ".celery" / "sms.jsonl"))
SMS_SENDER = env_str("SMS_SENDER", "Caseflow")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_AUTH_HEADER = env_str("SMS_GATEWAY_AUTH_HEADER", "Authorization")
SMS_GATEWAY_PAYLOAD = env_str(
    "SMS_GATEWAY_PAYLOAD",
    '{"to": "$to", "from": "$sender", "text": "$text", "reference": "$reference"}',
)
SMS_GATEWAY_CONTENT_TYPE = env_str("SMS_GATEWAY_CONTENT_TYPE", "application/json")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10)
# Outbox delivery: after this many failed attempts a delivery is marked failed.
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 5)
# Retry backoff: base * 2 ** (attempts - 1) seconds, capped.
NOTIFICATIONS_RETRY_BACKOFF = env_int("NOTIFICATIONS_RETRY_BACKOFF", 30)
NOTIFICATIONS_RETRY_BACKOFF_MAX = env_int("NOTIFICATIONS_RETRY_BACKOFF_MAX", 1800)
# The recovery sweep re-dispatches pending deliveries older than this (seconds).
NOTIFICATIONS_REDISPATCH_AFTER = env_int("NOTIFICATIONS_REDISPATCH_AFTER", 120)
# Delivery ids per Celery message.
NOTIFICATIONS_BATCH_SIZE = env_int("NOTIFICATIONS_BATCH_SIZE", 200)
# Local hour (in each office's time zone) at which the daily digest goes out.
NOTIFICATIONS_DIGEST_HOUR = env_int("NOTIFICATIONS_DIGEST_HOUR", 7)
# More deadline notifications of one kind than this for one person in one sweep batch become
# one grouped notification ("12 of your tasks became overdue"); 0 never groups.
NOTIFICATIONS_SLA_GROUP_THRESHOLD = env_int("NOTIFICATIONS_SLA_GROUP_THRESHOLD", 3)
# The development mailbox (notifications.backends.mailbox) keeps this many newest messages.
DEV_MAILBOX_KEEP = env_int("DEV_MAILBOX_KEEP", 2000)
# Webhooks (docs/webhooks.md): http:// endpoints only when this is on (development, tests);
# production requires https.
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", False)
# Seconds a receiver has to connect and to answer each read.
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)
# A webhook delivery is marked failed after this many tries (backoff as NOTIFICATIONS_RETRY_*).
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 10)
# After a secret is rotated, deliveries are signed with the old one too for this many hours.
WEBHOOK_SECRET_OVERLAP_HOURS = env_int("WEBHOOK_SECRET_OVERLAP_HOURS", 24)

# --- access log ---
# The access log (case_flows/access_log, docs/access-log.md): rows older than this many days
# are deleted by the daily retention task (730 = two years).
ACCESS_LOG_RETENTION_DAYS = env_int("ACCESS_LOG_RETENTION_DAYS", 730)
# A person who opens more different cases than this within one hour is reported to the data
# protection officers of their office (and the national ones).
ACCESS_ALERT_CASES_PER_HOUR = env_int("ACCESS_ALERT_CASES_PER_HOUR", 40)

# --- person registry ---
# A merge of two people's records (case_flows/registry/merge.py) can be undone by an
# administrator for this many days.
PERSON_MERGE_UNDO_DAYS = env_int("PERSON_MERGE_UNDO_DAYS", 30)

# --- system status ---
# System status (workflows/system, docs/operations.md "Health and status"): the thresholds at
# which the administrators get an e-mail (once per episode, from the every-minute beat job).
# No Celery worker answered for this many minutes:
SYSTEM_ALERT_NO_WORKER_MINUTES = env_int("SYSTEM_ALERT_NO_WORKER_MINUTES", 2)
# The oldest SLA escalation step due but not yet taken is older than this:
SYSTEM_ALERT_SLA_LAG_MINUTES = env_int("SYSTEM_ALERT_SLA_LAG_MINUTES", 10)
# The oldest pending outbox delivery of a channel is older than this:
SYSTEM_ALERT_OUTBOX_PENDING_MINUTES = env_int("SYSTEM_ALERT_OUTBOX_PENDING_MINUTES", 30)
# A channel has more failed deliveries than this:
SYSTEM_ALERT_OUTBOX_FAILED = env_int("SYSTEM_ALERT_OUTBOX_FAILED", 10)
# Less free space than this (percent) on the attachments' disk:
SYSTEM_ALERT_DISK_FREE_PERCENT = env_int("SYSTEM_ALERT_DISK_FREE_PERCENT", 10)
# A beat job is late once its last run is older than this many of its intervals:
SYSTEM_ALERT_BEAT_INTERVALS = 2

# --- sla ---
# The SLA engine (workflows/sla): see docs/sla.md.
SLA_SWEEP_INTERVAL_SECONDS = env_int("SLA_SWEEP_INTERVAL_SECONDS", 60)
SLA_SWEEP_BATCH_SIZE = env_int("SLA_SWEEP_BATCH_SIZE", 1000)
# Draft ("unverified") policies apply, labelled as such, so Ghana's draft defaults time
# cases until an administrator confirms or replaces them.
SLA_DRAFT_POLICIES_APPLY = env_bool("SLA_DRAFT_POLICIES_APPLY", True)
SLA_CALENDAR_CACHE_SECONDS = env_int("SLA_CALENDAR_CACHE_SECONDS", 300)
# Dotted paths of escalation handlers registered at start-up (besides register_escalation_handler).
SLA_ESCALATION_HANDLERS = env_list("SLA_ESCALATION_HANDLERS", [])
# --- end sla ---

# --- staff ---
# Days an e-mailed staff invitation link works (accounts.staff); a new one can be sent.
STAFF_INVITATION_DAYS = env_int("STAFF_INVITATION_DAYS", 7)
# --- end staff ---

# Exports of personal data (the dashboard's case lists) must carry a password: the download is
# then an AES-256 encrypted zip. Off, a user may still choose to set one (docs/subject-rights.md).
EXPORT_PASSWORD_REQUIRED = env_bool("EXPORT_PASSWORD_REQUIRED", False)

# How long a user waits for a case another user is changing before being told (409).
WORKFLOW_LOCK_TIMEOUT_MS = env_int("WORKFLOW_LOCK_TIMEOUT_MS", 10000)
# Whether a sending office keeps read access to its history of a case transferred away.
CASE_TRANSFER_SENDING_OFFICE_KEEPS_HISTORY = env_bool(
    "CASE_TRANSFER_SENDING_OFFICE_KEEPS_HISTORY", False
)
# Hours an emergency ("break the glass") grant to a restricted case lasts.
CASE_EMERGENCY_ACCESS_HOURS = env_int("CASE_EMERGENCY_ACCESS_HOURS", 24)
# Months between periodic supervisor reviews, per risk level, overriding the defaults
# (3 months, 1 for high risk), e.g. CASE_REVIEW_INTERVAL_MONTHS=high:1,medium:2,low:6
CASE_REVIEW_INTERVAL_MONTHS = {
    risk: int(months)
    for risk, _sep, months in (
        item.partition(":") for item in env_list("CASE_REVIEW_INTERVAL_MONTHS", [])
    )
    if months.isdigit()
}

# --- otp ---
# Two-step sign-in (accounts/second_factor, docs/security.md). Roles that must use a second
# factor: role slugs (accounts.models.Role) and "superuser"; empty: nobody must, anyone may.
TWO_FACTOR_REQUIRED_ROLES = env_list(
    "TWO_FACTOR_REQUIRED_ROLES", ["supervisor", "manager", "administrator", "superuser"]
)
# A session signed in by single sign-on counts as verified: the identity provider asks for
# the second factor.
TWO_FACTOR_TRUST_SSO = env_bool("TWO_FACTOR_TRUST_SSO", True)
# Wrong codes in a row at the second step before the session is signed out.
TWO_FACTOR_MAX_WRONG_CODES = env_int("TWO_FACTOR_MAX_WRONG_CODES", 5)
TWO_FACTOR_BACKUP_CODES = env_int("TWO_FACTOR_BACKUP_CODES", 10)
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = env_str("TWO_FACTOR_ISSUER", "Caseflow")
# django-otp's own throttle: after n wrong codes a device accepts no code for 2**(n-1) seconds
# (times this factor), across sessions.
OTP_TOTP_THROTTLE_FACTOR = env_int("TWO_FACTOR_THROTTLE_FACTOR", 1)
OTP_STATIC_THROTTLE_FACTOR = OTP_TOTP_THROTTLE_FACTOR
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# --- end otp ---
# --- sso ---
# Single sign-on with OpenID Connect (mozilla-django-oidc, accounts/sso.py, docs/security.md):
# an option beside passwords. The provider's account signs in the one existing, active user
# whose e-mail (OIDC_USERNAME_CLAIM=email) or username (any other claim) equals the claim;
# nobody is ever created or changed. Off: no URL, no button, no backend.
OIDC_ENABLED = env_bool("OIDC_ENABLED", False)
# The button says "Sign in with <name>", a refusal "Your <name> account is not linked..."
# (e.g. "Ghana.gov", "Microsoft 365"); empty: "SSO".
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "")
# The issuer: the endpoints left empty below come from its /.well-known/openid-configuration,
# fetched at the first sign-in (not at start-up) and cached. Explicit endpoints win.
OIDC_ISSUER = env_str("OIDC_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "")
# Set, and signing out of Caseflow also signs a person who came by SSO out of the provider.
OIDC_OP_LOGOUT_ENDPOINT = env_str("OIDC_OP_LOGOUT_ENDPOINT", "")
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_USERNAME_CLAIM = env_str("OIDC_USERNAME_CLAIM", "email")
# The client secret in an HTTP Basic header instead of the form body (client_secret_basic).
OIDC_TOKEN_USE_BASIC_AUTH = env_bool("OIDC_TOKEN_USE_BASIC_AUTH", False)
OIDC_USE_PKCE = env_bool("OIDC_USE_PKCE", True)
# Seconds to wait for the provider (discovery, token, userinfo, keys).
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
OIDC_DISCOVERY_CACHE_SECONDS = env_int("OIDC_DISCOVERY_CACHE_SECONDS", 3600)
OIDC_CREATE_USER = False  # no self-registration (accounts.sso refuses to create regardless)
OIDC_STORE_ACCESS_TOKEN = False
# The sign-out form redirects to the end-session endpoint, and browsers hold a form's
# redirects to CSP form-action: the Content-Security-Policy adds these to `form-action`.
# (The sign-in button is a link, which form-action does not govern; connect-src needs nothing.)
_oidc_logout = urlsplit(OIDC_OP_LOGOUT_ENDPOINT)
OIDC_FORM_ACTION_SOURCES = (
    [f"{_oidc_logout.scheme}://{_oidc_logout.netloc}"]
    if OIDC_ENABLED and _oidc_logout.netloc
    else []
)
if OIDC_ENABLED:
    # Last: password sign-in (and any lockout backend before it) is untouched.
    AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "accounts.sso.CaseflowOIDCBackend"]
# --- end sso ---
# --- session ---
# Sessions and security headers: docs/security.md, "Sessions and headers".
# A session ends after this many minutes without a request from the person (background
# checks do not count), and in any case this many hours after signing in.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12)
# The page warns this many minutes before the idle end ("Stay signed in" / "Sign out").
SESSION_WARNING_MINUTES = env_int("SESSION_WARNING_MINUTES", 2)
if SESSION_IDLE_MINUTES < 1 or SESSION_MAX_HOURS < 1 or SESSION_WARNING_MINUTES < 0:
    raise ImproperlyConfigured(
        "SESSION_IDLE_MINUTES and SESSION_MAX_HOURS must be at least 1, "
        "SESSION_WARNING_MINUTES at least 0."
    )
# The cookie and the stored session die with the absolute lifetime too (Django's default is
# two weeks); the middleware enforces both limits whatever the cookie says.
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Content-Security-Policy (django-csp 4): the site's own scripts and styles only, no inline
# script or style, no plug-ins, not framed, forms post only to this site.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, *OIDC_FORM_ACTION_SOURCES],
        "frame-ancestors": [NONE],
    }
}
# Kept explicit (they are Django's defaults) so that a reader sees every header the site sends;
# HSTS is production's (production.py).
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# --- end session ---
# --- signin ---
# Lockout after failed sign-ins (django-axes) and the password policy: docs/security.md,
# "Sign-in: lockout and passwords".
LOCKOUT_FAILURES = env_int("LOCKOUT_FAILURES", 5)
# An office behind one NAT shares one address: its limit is higher than one username's.
LOCKOUT_FAILURES_PER_ADDRESS = env_int("LOCKOUT_FAILURES_PER_ADDRESS", 20)
# How long a lock lasts after the last counted failure; 0 = until an administrator unlocks it.
LOCKOUT_MINUTES = env_int("LOCKOUT_MINUTES", 30)
if LOCKOUT_FAILURES < 1 or LOCKOUT_FAILURES_PER_ADDRESS < 1 or LOCKOUT_MINUTES < 0:
    raise ImproperlyConfigured(
        "LOCKOUT_FAILURES and LOCKOUT_FAILURES_PER_ADDRESS must be at least 1, "
        "LOCKOUT_MINUTES at least 0."
    )
INSTALLED_APPS += ["axes"]
# Axes' backend goes first: it refuses a locked username or address before any password is
# checked (it authenticates no one itself).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", *AUTHENTICATION_BACKENDS]
# Last, so that it sees the flag the sign-in left on the request and answers with our page.
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
AXES_HANDLER = "accounts.lockout.CaseflowAxesHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The username limit; the address limit is applied by the handler above.
AXES_FAILURE_LIMIT = LOCKOUT_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=LOCKOUT_MINUTES) if LOCKOUT_MINUTES else None
AXES_RESET_ON_SUCCESS = True
# Attempts refused during a lock are recorded (AccountEvent) but do not extend it: the period
# the person is told is the period it lasts.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Successful sign-ins and unlocks are in the AccountEvent trail; axes' own admin pages are
# replaced by a read-only one in accounts.admin.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# Axes logs each failure at WARNING (usernames masked); its INFO lines repeat the same.
LOGGING["loggers"]["axes"] = {"level": "WARNING"}

# Passwords: at least 12 characters, not common, not like the user's names, not the
# product's or the office's name (accounts.passwords), not only digits.
PASSWORD_MIN_LENGTH = 12
PASSWORD_FORBIDDEN_WORDS = ["caseflow"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.NamesInPasswordValidator"},
]
# A reset link works once, for this many hours.
PASSWORD_RESET_HOURS = env_int("PASSWORD_RESET_HOURS", 2)
if PASSWORD_RESET_HOURS < 1:
    raise ImproperlyConfigured("PASSWORD_RESET_HOURS must be at least 1.")
PASSWORD_RESET_TIMEOUT = PASSWORD_RESET_HOURS * 3600
# More reset e-mails than this for one account within an hour are not sent (the page answers
# the same): nobody can flood a colleague's mailbox.
PASSWORD_RESET_EMAILS_PER_HOUR = env_int("PASSWORD_RESET_EMAILS_PER_HOUR", 3)
# --- end signin ---

# The import page's upload limit (case_flows/imports); larger files: manage.py import_caseload.
IMPORT_MAX_UPLOAD_MB = env_int("IMPORT_MAX_UPLOAD_MB", 20)

# --- attachments (case_flows/documents; docs/attachments.md) ---
# Files live in a private folder outside STATIC_ROOT and with no public URL (served only by
# the download view, which checks the case scope), or in an S3-compatible bucket when
# ATTACHMENTS_S3_BUCKET is set (django-storages; credentials from the usual AWS_* variables).
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(DATA_DIR / "private_media")))
ATTACHMENT_MAX_MB = env_int("ATTACHMENT_MAX_MB", 20)
ATTACHMENT_MAX_PER_CASE = env_int("ATTACHMENT_MAX_PER_CASE", 200)
# Larger images are refused as possible decompression bombs (Pillow's own check, tightened).
ATTACHMENT_MAX_IMAGE_PIXELS = env_int("ATTACHMENT_MAX_IMAGE_PIXELS", 50_000_000)
# nginx `internal` location that maps to PRIVATE_MEDIA_ROOT (e.g. "/_private/"): downloads
# are then sent by nginx after the view's checks. Empty: Django streams the file itself.
ATTACHMENT_X_ACCEL_PREFIX = env_str("ATTACHMENT_X_ACCEL_PREFIX", "")
# The lifetime of a presigned S3 download link.
ATTACHMENT_URL_SECONDS = env_int("ATTACHMENT_URL_SECONDS", 60)
# Optional virus scan (clamd's INSTREAM): a unix socket path, or a host (and port).
CLAMD_SOCKET = env_str("CLAMD_SOCKET", "")
CLAMD_HOST = env_str("CLAMD_HOST", "")
CLAMD_PORT = env_int("CLAMD_PORT", 3310)
CLAMD_TIMEOUT_SECONDS = env_int("CLAMD_TIMEOUT_SECONDS", 30)
ATTACHMENTS_S3_BUCKET = env_str("ATTACHMENTS_S3_BUCKET", "")


def attachments_storage(bucket: str, private_root: Path) -> dict:
    """STORAGES["attachments"]: an S3-compatible bucket when one is named, else the private
    folder (base_url points nowhere public: the download view is the only way in)."""
    if bucket:
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": env_str("AWS_S3_ENDPOINT_URL"),
                "region_name": env_str("AWS_S3_REGION_NAME"),
                "access_key": env_str("AWS_ACCESS_KEY_ID"),
                "secret_key": env_str("AWS_SECRET_ACCESS_KEY"),
                "default_acl": "private",
                "querystring_auth": True,
                "signature_version": "s3v4",
                "querystring_expire": ATTACHMENT_URL_SECONDS,
                "file_overwrite": False,
                "location": env_str("ATTACHMENTS_S3_PREFIX", ""),
            },
        }
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(private_root),
            "base_url": "/attachments-have-no-public-url/",
            "file_permissions_mode": 0o640,
            "directory_permissions_mode": 0o750,
        },
    }


STORAGES["attachments"] = attachments_storage(ATTACHMENTS_S3_BUCKET, PRIVATE_MEDIA_ROOT)


# The REST API (api/, docs/api.md): tokens only (personal tokens and OAuth 2 client
# credentials, both django-oauth-toolkit access tokens), one scope per resource family and
# method (api/scopes.py), pages by cursor, one error shape (api/errors.py).
# --- api ---
# Requests per token (a personal token, or an API client across all its tokens): "600/min",
# "20/s", "10000/hour", "100000/day". Over it: 429 with Retry-After.
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "600/min")
if not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", API_RATE_LIMIT):
    raise ImproperlyConfigured(
        f'API_RATE_LIMIT must look like "600/min" (per s, min, hour or day), got {API_RATE_LIMIT!r}'
    )
# The longest a personal token may live, in days (the page offers 7, 30 and 90 days up to it).
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 90)
if API_TOKEN_MAX_DAYS < 1:
    raise ImproperlyConfigured("API_TOKEN_MAX_DAYS must be at least 1.")
# The rate limit's counters: Redis when configured, shared by every web worker (a per-process
# memory would multiply the limit by the number of workers); memory for `make run`.
API_THROTTLE_CACHE = "api"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    API_THROTTLE_CACHE: (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "caseflow-api",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api"}
    ),
}
REST_FRAMEWORK = {
    # Bearer tokens only: a signed-in browser session is not an API credential.
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.scopes.TokenHasFamilyScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": API_RATE_LIMIT},
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Cursor",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_TOKEN_URL = "/api/v1/oauth/token/"
SPECTACULAR_SETTINGS = {
    "TITLE": "Caseflow API",
    "DESCRIPTION": (
        "Cases, tasks, approvals, referrals and transfers of a social-welfare office. "
        "Every call carries a bearer token: a personal token (created on the account's "
        "API tokens page) or an OAuth 2 client-credentials token of an API client "
        f"(POST {API_TOKEN_URL}). Guide: docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # The documentation page's scripts and styles come from the drf-spectacular-sidecar
    # package (PyPI), served as our own static files: nothing from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge from validator.swagger.io (it would send the schema's address away, and the
    # Content-Security-Policy refuses the image anyway).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # api/schema.py: the client-credentials flow of this token endpoint, and personal tokens.
    "OAUTH2_FLOWS": ["clientCredentials"],
    "OAUTH2_TOKEN_URL": API_TOKEN_URL,
    "COMPONENT_SPLIT_REQUEST": True,
}
OAUTH2_PROVIDER = {
    # Client-credentials tokens; a personal token lives for the days chosen on its page.
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("API_TOKEN_EXPIRE_SECONDS", 3600),
    # The scopes (api/scopes.py), and per API client the ones it was allowed (api/oauth.py).
    "SCOPES_BACKEND_CLASS": "api.oauth.ClientScopes",
    # The token's user is the client's service account; disabled clients get no token.
    "OAUTH2_VALIDATOR_CLASS": "api.oauth.CaseflowOAuth2Validator",
    # oauthlib's server of the client-credentials grant alone (and bearer tokens): the token
    # endpoint refuses every other grant before looking at anything else (the password grant
    # would otherwise check a username and password first).
    "OAUTH2_SERVER_CLASS": "oauthlib.oauth2.BackendApplicationServer",
    # RFC 9700: tokens are kept only as their SHA-256 checksum (a database dump holds no usable
    # token), never accepted in a query string, no password or implicit grant.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    # No redirecting flow is used (client credentials only); kept at the compliant values.
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "SCOPES": {},  # the scopes backend above answers from api.scopes.FAMILIES
}
# DOT's own models (its defaults), named so that api's migrations can point at them.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
# --- end api ---
