"""Request ids in log lines, and the two log formats (LOG_FORMAT: text or json).

The id of the request being served (or of the request that enqueued the Celery task being
run) lives in a context variable; a filter on the log handler copies it onto every record.
"""

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

# The request (or the task's enqueuing request) this code is running for; "" outside one.
request_id_var: ContextVar[str] = ContextVar("request_id", default="")
# The Celery task this code is running in ("name id"), "" outside one.
task_var: ContextVar[str] = ContextVar("celery_task", default="")

# An incoming X-Request-ID is kept only if it is a plain token (a UUID, nginx's $request_id,
# a load balancer's trace id): nothing that could forge a log line or carry a sentence.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def safe_request_id(value: str | None) -> str:
    """`value` if it is a safe token, else "" (the caller makes a new one)."""
    return value if value and _SAFE_REQUEST_ID.fullmatch(value) else ""


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record that reaches the handler (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get() or "-"
        return True


class TextFormatter(logging.Formatter):
    """The plain line, with the request id ("-" outside a request)."""

    def __init__(self, fmt: str = TEXT_FORMAT, datefmt: str | None = None) -> None:
        super().__init__(fmt=fmt, datefmt=datefmt, defaults={"request_id": "-"})


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, the Celery
    task if any, the exception if any. Never the record's extras: Django's `request` extra
    would bring a query string (a search may hold a client's name)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id(record),
            "process": record.process,
        }
        task = task_var.get()
        if task:
            entry["task"] = task
        status = getattr(record, "status_code", None)
        if isinstance(status, int):
            entry["status_code"] = status
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _request_id(record: logging.LogRecord) -> str | None:
    """The record's id (the filter's "-" outside a request is null in JSON)."""
    request_id = getattr(record, "request_id", None) or request_id_var.get()
    return request_id if request_id and request_id != "-" else None


def logging_config(*, log_format: str, level: str) -> dict:
    """settings.LOGGING: one console handler in the chosen format, with the request id."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "config.observability.logs.RequestIdFilter"}},
        "formatters": {
            "text": {"()": "config.observability.logs.TextFormatter"},
            "json": {"()": "config.observability.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }
