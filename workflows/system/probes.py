"""Cheap checks of what the site depends on: each returns its latency in milliseconds or
raises. /health/ready (config/health.py) and the status page call them; tests replace one to
simulate a failure."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)

# Seconds a network probe may take before it counts as failed: a check never hangs.
PROBE_TIMEOUT_SECONDS = 1.0

# Set after the first check that found every migration applied: migrations do not un-apply
# themselves under a running process, and loading the migration graph is not cheap.
_migrations_applied = False


def _timed(check: Callable[[], object]) -> float:
    started = time.perf_counter()
    check()
    return (time.perf_counter() - started) * 1000


def database() -> float:
    def check() -> None:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    return _timed(check)


class UnappliedMigrations(Exception):
    pass


def migrations() -> float:
    """Raises when a migration is not applied yet (a deploy that forgot `migrate`)."""

    def check() -> None:
        global _migrations_applied
        if _migrations_applied:
            return
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise UnappliedMigrations()
        _migrations_applied = True

    return _timed(check)


def broker_url() -> str:
    return settings.CELERY_BROKER_URL or ""


def _redis_ping(url: str) -> None:
    import redis

    client = redis.Redis.from_url(
        url, socket_timeout=PROBE_TIMEOUT_SECONDS, socket_connect_timeout=PROBE_TIMEOUT_SECONDS
    )
    try:
        if not client.ping():
            raise ConnectionError("no PONG")
    finally:
        client.close()


def broker() -> float:
    """Redis (the broker, or REDIS_URL when the broker is elsewhere): PING. The embedded
    filesystem transport: its folder exists and is writable."""
    url = broker_url()
    if url.startswith(("redis://", "rediss://")):
        return _timed(lambda: _redis_ping(url))
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_DIR)

        def check() -> None:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".health-{uuid.uuid4().hex}"
            probe.write_bytes(b"")
            probe.unlink()

        return _timed(check)
    return _timed(lambda: None)  # another transport: no cheap check of our own


def redis() -> float:
    """REDIS_URL when it is set apart from the broker (the API's rate-limit counters)."""
    return _timed(lambda: _redis_ping(settings.REDIS_URL or ""))


def redis_configured_apart() -> bool:
    return bool(settings.REDIS_URL) and settings.REDIS_URL != broker_url()


def cache() -> float:
    """A write and a read on every configured cache."""

    def check() -> None:
        key = f"health-probe-{uuid.uuid4().hex}"
        for alias in settings.CACHES:
            backend = caches[alias]
            backend.set(key, "1", timeout=10)
            if backend.get(key) != "1":
                raise ConnectionError(f"cache {alias} did not keep a value")
            backend.delete(key)

    return _timed(check)


def readiness_checks() -> list[tuple[str, Callable[[], float]]]:
    """The checks /health/ready runs, in order, by the name it reports."""
    checks: list[tuple[str, Callable[[], float]]] = [
        ("database", database),
        ("migrations", migrations),
    ]
    if settings.CELERY_BROKER_URL:
        checks.append(("broker", broker))
    if redis_configured_apart():
        checks.append(("redis", redis))
    checks.append(("cache", cache))
    return checks


def run_checks(checks: list[tuple[str, Callable[[], float]]]) -> dict[str, float | None]:
    """Each check's latency in ms, or None when it failed (whatever the error)."""
    results: dict[str, float | None] = {}
    for name, check in checks:
        if name == "migrations" and results.get("database", 0.0) is None:
            continue  # no database, no migrations to ask about: "database" says it all
        try:
            results[name] = check()
        except Exception:  # any failure is "failing"; the log keeps the detail
            logger.warning("health check %s failed", name, exc_info=True)
            results[name] = None
    return results
