"""Production settings refuse unsafe configurations and pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "Zq8-Xr2_vB7nM4pL9sT1wY6cH3jF0dG5aE" + "u" * 10


def run_manage(args, **env):
    stripped = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "ALLOWED_HOSTS", "SECRET_KEY")
    base = {
        k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k not in stripped
    }
    base.update({"DJANGO_SETTINGS_MODULE": "config.settings.production"}, **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True
    )


PROD_ENV = {
    "SECRET_KEY": GOOD_KEY,
    "ALLOWED_HOSTS": "welfare.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/caseflow",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_production_passes_check_deploy_with_no_issues():
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], **PROD_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "override, message",
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is too weak"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"REDIS_URL": ""}, "REDIS_URL"),
    ],
)
def test_production_refuses_unsafe_configuration(override, message):
    env = {**PROD_ENV, **override}
    env = {k: v for k, v in env.items() if v}
    result = run_manage(["check"], **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_demo_data():
    result = run_manage(["seed_demo"], **PROD_ENV)
    assert result.returncode != 0
    assert "refused under production" in result.stderr


def test_embedded_default_is_sqlite_and_filesystem_broker(tmp_path):
    code = (
        "from django.conf import settings;"
        "print(settings.DATABASES['default']['ENGINE']);"
        "print(settings.CELERY_BROKER_URL)"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://"]


def test_settings_under_test_use_postgresql_and_redis(settings):
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")


def test_postgresql_connections_run_without_jit(db):
    """JIT cost the dashboard's national aggregates 100-200 ms each: it is off by default."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
