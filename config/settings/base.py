"""Settings shared by every environment; everything deployment-specific comes from os.environ."""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

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
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_fsm",
    "viewflow",
    "viewflow.workflow",
    "accounts",
    "case_flows",
    "workflows",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost: turns a view's lost race (409) or lost database (503) into a page that
    # offers to send the same input again.
    "workflows.middleware.DatabaseTroubleMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
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
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
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
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Demo accounts all use the password "demo"; production refuses it (see production.py).
REFUSE_DEMO_PASSWORDS = False
DEMO_PASSWORD = "demo"
DEMO_CASES_PER_OFFICE = env_int("DEMO_CASES_PER_OFFICE", 200)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("pl", _("Polish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format per language, day first (config/formats: "30 Nov 2026", "30.11.2026").
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
# Stored in UTC; every page is shown in the user's office timezone (accounts.middleware).
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
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
CELERY_BROKER_DIR = BASE_DIR / ".celery" / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR),
        "data_folder_out": str(CELERY_BROKER_DIR),
        "processed_folder": str(BASE_DIR / ".celery" / "processed"),
        "store_processed": False,
        # Exchange tables too, or kombu writes ./control/ in the working directory.
        "control_folder": str(BASE_DIR / ".celery" / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / ".celery" / "beat-schedule")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = False  # opted into per task, once the task is safe to run twice
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- notifications ---
# SMS: a dotted path to a backend in notifications.backends.sms (console, file, locmem,
# HTTP gateway). The gateway payload is a string.Template with $to, $text, $sender, $reference.
SMS_BACKEND = env_str("SMS_BACKEND", "notifications.backends.sms.ConsoleSmsBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(BASE_DIR / ".celery" / "sms.jsonl"))
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

# How long a user waits for a case another user is changing before being told (409).
WORKFLOW_LOCK_TIMEOUT_MS = env_int("WORKFLOW_LOCK_TIMEOUT_MS", 10000)
# Whether a sending office keeps read access to its history of a case transferred away.
CASE_TRANSFER_SENDING_OFFICE_KEEPS_HISTORY = env_bool(
    "CASE_TRANSFER_SENDING_OFFICE_KEEPS_HISTORY", False
)
# Months between periodic supervisor reviews, per risk level, overriding the defaults
# (3 months, 1 for high risk), e.g. CASE_REVIEW_INTERVAL_MONTHS=high:1,medium:2,low:6
CASE_REVIEW_INTERVAL_MONTHS = {
    risk: int(months)
    for risk, _sep, months in (
        item.partition(":") for item in env_list("CASE_REVIEW_INTERVAL_MONTHS", [])
    )
    if months.isdigit()
}
