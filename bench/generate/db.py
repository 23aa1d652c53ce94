"""PostgreSQL plumbing of the generator: COPY text, direct psycopg connections, and the
bench_meta table (the dataset's parameters, the indexes dropped for the load)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bench.generate.constants import META_TABLE


def _ts(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _copy(cursor, table: str, columns: str, lines: list[str]) -> None:
    if not lines:
        return
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for start in range(0, len(lines), 20000):
            copy.write("".join(lines[start : start + 20000]))


def _psycopg_params() -> dict:
    from django.conf import settings

    db = settings.DATABASES["default"]
    params = {"dbname": db["NAME"], "user": db.get("USER") or None}
    params.update(host=db.get("HOST") or None, port=db.get("PORT") or None)
    if db.get("PASSWORD"):
        params["password"] = db["PASSWORD"]
    return {k: v for k, v in params.items() if v is not None}


def _pending_indexes(cur) -> list[str]:
    _ensure_meta(cur)
    cur.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'pending_indexes'")
    row = cur.fetchone()
    if not row:
        return []
    return row[0] if isinstance(row[0], list) else json.loads(row[0])


def _save_pending_indexes(cur, statements: list[str]) -> None:
    _ensure_meta(cur)
    cur.execute(
        f"INSERT INTO {META_TABLE} (key, value) VALUES ('pending_indexes', %s) "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        [json.dumps(statements)],
    )


def _ensure_meta(cur) -> None:
    cur.execute(f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key text PRIMARY KEY, value jsonb)")


def read_meta() -> dict | None:
    from django.db import connection

    with connection.cursor() as cur:
        _ensure_meta(cur)
        cur.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'dataset'")
        row = cur.fetchone()
    if not row:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def write_meta(value: dict) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        _ensure_meta(cur)
        cur.execute(
            f"INSERT INTO {META_TABLE} (key, value) VALUES ('dataset', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [json.dumps(value)],
        )
