"""Celery's side: the request id travels in a message header from the enqueuing process to
the worker, worker log lines carry it, and each task's run time is observed."""

import time

from celery import signals
from celery.utils.log import ColorFormatter
from django.conf import settings

from .logs import JsonFormatter, RequestIdFilter, request_id_var, safe_request_id, task_var
from .metrics import CELERY_TASK_DURATION

REQUEST_ID_HEADER = "caseflow_request_id"

# task id -> (perf_counter at start, contextvar tokens); one entry per task running here.
_running: dict[str, tuple[float, object, object]] = {}


@signals.before_task_publish.connect(dispatch_uid="caseflow-request-id-publish")
def _add_request_id(headers=None, **kwargs) -> None:
    request_id = request_id_var.get()
    if request_id and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, request_id)


@signals.task_prerun.connect(dispatch_uid="caseflow-task-prerun")
def _task_started(task_id=None, task=None, **kwargs) -> None:
    request = getattr(task, "request", None)
    request_id = safe_request_id(getattr(request, REQUEST_ID_HEADER, None))
    tokens = (request_id_var.set(request_id), task_var.set(f"{task.name} {task_id}"))
    _running[task_id] = (time.perf_counter(), *tokens)


@signals.task_postrun.connect(dispatch_uid="caseflow-task-postrun")
def _task_ended(task_id=None, task=None, state=None, **kwargs) -> None:
    started = _running.pop(task_id, None)
    if started is None:
        return
    at, request_token, task_token = started
    CELERY_TASK_DURATION.labels(task.name, state or "UNKNOWN").observe(time.perf_counter() - at)
    try:
        request_id_var.reset(request_token)  # type: ignore[arg-type]
        task_var.reset(task_token)  # type: ignore[arg-type]
    except ValueError:  # ended in another context (a thread pool's): just clear
        request_id_var.set("")
        task_var.set("")


def _own_handlers(logger, format, colorize, **kwargs) -> None:
    """The worker's handlers (Celery sets them up) get the request id, and JSON lines when
    LOG_FORMAT is json; the text lines keep Celery's format with the id added."""
    for handler in logger.handlers:
        handler.addFilter(RequestIdFilter())
        if getattr(settings, "LOG_FORMAT", "text") == "json":
            handler.setFormatter(JsonFormatter())
        elif format and "%(message)s" in format and isinstance(handler.formatter, ColorFormatter):
            # Celery's ColorFormatter or its TaskFormatter, both (fmt, use_color).
            with_id = format.replace("%(message)s", "[%(request_id)s] %(message)s")
            handler.setFormatter(type(handler.formatter)(with_id, use_color=colorize))


signals.after_setup_logger.connect(_own_handlers, dispatch_uid="caseflow-worker-logs")
signals.after_setup_task_logger.connect(_own_handlers, dispatch_uid="caseflow-task-logs")
