"""The application's Prometheus metrics, one definition each, and the scrape's registry.

Every label is bounded: a URL pattern's view name (never a path), a flow node, a stage, a
Celery task name, a channel, an office code. Counting never touches the database.

With PROMETHEUS_MULTIPROC_DIR set before the process starts (gunicorn workers and Celery
workers are separate processes), prometheus_client writes each process's values to files in
that folder and a scrape sums them all; unset, the values live in this process alone.
"""

import os
import time

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0)

HTTP_REQUESTS = Counter(
    "caseflow_http_requests",
    "HTTP requests answered, by view (URL pattern name), method and status class.",
    ["view", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "caseflow_http_request_duration_seconds",
    "Time from the request reaching Django to its response, by view.",
    ["view"],
    buckets=LATENCY_BUCKETS,
)
TASK_COMPLETIONS = Counter(
    "caseflow_task_completions",
    "Human tasks completed (counted after commit), by flow and node.",
    ["flow", "node"],
)
STAGE_TRANSITIONS = Counter(
    "caseflow_case_stage_transitions",
    "Case stage transitions (counted after commit), by stage left and stage entered.",
    ["from_stage", "to_stage"],
)
SLA_SWEEP_DURATION = Histogram(
    "caseflow_sla_sweep_duration_seconds",
    "Duration of one SLA escalation sweep (every batch of it).",
    buckets=LATENCY_BUCKETS,
)
SLA_ESCALATIONS = Counter(
    "caseflow_sla_escalations", "Escalation steps taken by the SLA sweep (rows inserted)."
)
OUTBOX_DELIVERIES = Counter(
    "caseflow_outbox_deliveries",
    "Outbox delivery attempts, by channel and result (sent, retry, failed).",
    ["channel", "result"],
)
CELERY_TASK_DURATION = Histogram(
    "caseflow_celery_task_duration_seconds",
    "Run time of Celery tasks in the worker, by task name and end state.",
    ["task", "state"],
    buckets=TASK_BUCKETS,
)

# What a scrape lists from this module (the docs and the tests name them).
METRIC_NAMES = (
    "caseflow_http_requests_total",
    "caseflow_http_request_duration_seconds",
    "caseflow_task_completions_total",
    "caseflow_case_stage_transitions_total",
    "caseflow_sla_sweep_duration_seconds",
    "caseflow_sla_escalations_total",
    "caseflow_outbox_deliveries_total",
    "caseflow_celery_task_duration_seconds",
)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def process_registry() -> CollectorRegistry:
    """Every process's values (multiprocess mode) or this process's own."""
    path = multiprocess_dir()
    if not path:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)
    return registry


def sweep_observed(*, started: float, escalations: int) -> None:
    """One sweep ended (`started` from time.perf_counter())."""
    SLA_SWEEP_DURATION.observe(time.perf_counter() - started)
    SLA_ESCALATIONS.inc(escalations)
