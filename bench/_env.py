"""Point Django at the bench database (never the development one), creating it if missing."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE = "caseflow_bench_data"


def bench_database_url() -> str:
    """BENCH_DATABASE_URL, else DATABASE_URL's server with the database caseflow_bench_data."""
    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit:
        return explicit
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/caseflow"
    return urlunsplit(urlsplit(base)._replace(path=f"/{DEFAULT_DATABASE}"))


def admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup(url: str | None = None, *, migrate: bool = True) -> str:
    """Create and migrate the bench database and set Django up on it; returns its URL."""
    url = url or bench_database_url()
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    return url
