"""Real Celery processes for the integration tests: the worker environment, starting workers
and beat against the test database and Redis, stopping them, and polling the database."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def wait_for(condition, timeout=90.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)  # polling the database, not an assertion
    raise AssertionError(f"timed out waiting for {what}")


def celery_env(**extra: str) -> dict[str, str]:
    """The environment of a worker or beat: the test database and the test run's broker."""
    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/"
            f"{db['NAME']}"
        ),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        **extra,
    }


def celery_start(*args: str, env: dict[str, str]) -> subprocess.Popen:
    """`celery -A config <args>` in its own process (output discarded)."""
    return subprocess.Popen(
        [CELERY, "-A", "config", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def celery_stop(processes: list[subprocess.Popen]) -> None:
    """Warm shutdown (SIGTERM) of every process, killed if one does not stop in 20 s."""
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
