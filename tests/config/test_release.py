"""The server install path without the Makefile (docs/install.md): the wheel built from this
checkout carries the templates, static files and translations; installed into a folder of its
own, its `caseflow` command reports the version, `caseflow deploy` prepares a database (a copy
of the test database) and the static files, and the installed code serves a page in Polish."""

import os
import secrets
import shutil
import subprocess
import sys
import textwrap
import uuid
import zipfile
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

from config import __version__

ROOT = Path(__file__).resolve().parents[2]
PIP = [sys.executable, "-m", "pip"]


def _server_url(name: str = "postgres") -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{name}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory, django_db_setup):
    out = tmp_path_factory.mktemp("wheel")
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # setuptools' in-tree leftovers
    build = subprocess.run(
        [*PIP, "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        cwd=out,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    (built,) = out.glob("caseflow-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [*PIP, "install", "-q", "--no-deps", "--no-index", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return target


@pytest.fixture(scope="module")
def server_database(django_db_setup, django_db_blocker):
    """A copy of the migrated test database (pg_dump | pg_restore), dropped afterwards."""
    name = f"cf_release_{uuid.uuid4().hex[:8]}"
    source = settings.DATABASES["default"]["NAME"]
    with psycopg.connect(_server_url(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        dump = subprocess.run(
            ["pg_dump", "-Fc", "--no-owner", _server_url(source)], capture_output=True, check=True
        )
        subprocess.run(
            ["pg_restore", "--no-owner", "-d", _server_url(name)],
            input=dump.stdout,
            capture_output=True,
            check=True,
        )
        yield _server_url(name)
    finally:
        with psycopg.connect(_server_url(), autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _server_env(installed: Path, data_dir: Path, database_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CASEFLOW_", "PYTEST", "STATIC_"))
    }
    env.update(
        PYTHONPATH=str(installed),
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=database_url,
        REDIS_URL=settings.REDIS_URL,
        CASEFLOW_DATA_DIR=str(data_dir),
        LOG_FORMAT="text",
    )
    return env


def _caseflow(installed: Path, env: dict[str, str], *args: str, cwd: Path):
    return subprocess.run(
        [sys.executable, "-m", "config.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def test_the_wheel_carries_the_templates_static_files_and_translations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert wheel.name == f"caseflow-{__version__}-py3-none-any.whl"
    assert "config/_site/templates/base.html" in names
    assert "config/_site/static/css/app.css" in names
    assert "config/_site/locale/pl/LC_MESSAGES/django.mo" in names
    assert "case_flows/imports/mappings/primero_v2.json" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "caseflow = config.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_without_a_checkout_it_deploys_and_serves_pages_in_polish(
    installed, server_database, tmp_path
):
    data_dir = tmp_path / "data"
    env = _server_env(installed, data_dir, server_database)
    version = _caseflow(installed, env, "--version", cwd=tmp_path)
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith(f"caseflow {__version__} (Django 5.2")

    without_data_dir = {k: v for k, v in env.items() if k != "CASEFLOW_DATA_DIR"}
    refused = _caseflow(installed, without_data_dir, "check", cwd=tmp_path)
    assert refused.returncode != 0
    assert "CASEFLOW_DATA_DIR must name a folder" in refused.stderr
    placeholder = {
        **env,
        "SECRET_KEY": "<python3 -c 'import secrets; print(secrets.token_urlsafe(64))'>",
    }
    refused = _caseflow(installed, placeholder, "check", cwd=tmp_path)
    assert refused.returncode != 0 and "SECRET_KEY looks like a placeholder" in refused.stderr

    deployed = _caseflow(installed, env, "deploy", cwd=tmp_path)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert f"Caseflow {__version__} is ready." in deployed.stdout
    assert (data_dir / "staticfiles" / "css" / "app.css").is_file()
    assert (data_dir / "staticfiles" / "css" / "app.css.gz").is_file()
    assert (data_dir / "private_media").is_dir()  # the attachments' folder, for the backups

    # The installed code (not this checkout) renders the sign-in page, in Polish, with the
    # collected stylesheet served by WhiteNoise.
    probe = textwrap.dedent(
        """
        import django, config
        django.setup()
        from django.test import Client
        client = Client(HTTP_ACCEPT_LANGUAGE="pl")
        page = client.get("/accounts/login/", secure=True)
        css = client.get("/static/css/app.css", secure=True)
        print(config.__file__)
        print(page.status_code, css.status_code)
        print(page.content.decode())
        """
    )
    rendered = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.production"},
        cwd=tmp_path,
        timeout=120,
    )
    assert rendered.returncode == 0, rendered.stderr[-3000:]
    origin, statuses, html = rendered.stdout.split("\n", 2)
    assert origin.startswith(str(installed))
    assert statuses == "200 200"
    assert 'lang="pl"' in html
    assert "Zaloguj" in html
