"""The restore drill: back the system up as an operator would, restore the backup into a new
database and folder, and prove the copy is whole (docs/operations.md, "The restore drill").

The kernel does what any PostgreSQL-backed app needs: a `pg_dump -Fc` and an archive of the
attachment store, restored into a database and a folder of their own; every table's row
count and every trigger compared. What "whole" means for an app's own data (the case
timeline, the attachments' checksums, a case page) comes from its AppConfig's
`restore_drill_checks`: dotted paths of callables taking the `RestoreDrill` and returning
`Finding`s, run while Django's default database is the restored one.

The counts are taken in the same snapshot the dump is (`pg_export_snapshot` and `pg_dump
--snapshot`), so the drill can run against a live system that keeps writing.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.apps import apps
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import connections
from django.utils.module_loading import import_string
from psycopg import sql


class RestoreDrillError(Exception):
    """The drill could not run at all (no PostgreSQL, a tool missing, the target exists)."""


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str = ""


@dataclass
class RestoreDrill:
    """One drill's places and the source snapshot the checks compare against."""

    source_database: str
    target_database: str
    work_dir: Path
    # The attachment store: its folder (local storage) or None (an S3-compatible bucket).
    attachments_root: Path | None
    findings: list[Finding] = field(default_factory=list)
    _snapshot: Any = None  # the psycopg connection holding the dump's snapshot

    @property
    def dump_path(self) -> Path:
        return self.work_dir / "database.dump"

    @property
    def attachments_archive(self) -> Path:
        return self.work_dir / "attachments.tar.gz"

    @property
    def restored_attachments_root(self) -> Path:
        return self.work_dir / "attachments"

    def source_rows(self, query: str, params: Iterable[Any] = ()) -> list[tuple]:
        """Rows of the source database as it was dumped (the dump's snapshot)."""
        with self._snapshot.cursor() as cursor:
            cursor.execute(query, list(params))
            return cursor.fetchall()

    def restored_attachment_storage(self) -> Storage:
        """Where the checks find the restored attachments: the restored folder, or the live
        bucket when the store is S3 (a bucket is not copied by the drill)."""
        if self.attachments_root is None:
            return storages["attachments"]
        return FileSystemStorage(location=str(self.restored_attachments_root))

    def add(self, check: str, ok: bool, detail: str = "") -> None:
        self.findings.append(Finding(check, ok, detail))

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]


def file_sha256(opened) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: opened.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


# --- connections -----------------------------------------------------------------------------


def _settings_dict() -> dict:
    settings_dict = connections["default"].settings_dict
    if settings_dict["ENGINE"] != "django.db.backends.postgresql":
        raise RestoreDrillError("The restore drill needs PostgreSQL (DATABASE_URL).")
    return settings_dict


def _libpq_env(database: str) -> dict[str, str]:
    """The environment pg_dump/pg_restore read the connection from (no password on argv)."""
    s = _settings_dict()
    env = dict(os.environ, PGDATABASE=database)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if s.get(key):
            env[name] = str(s[key])
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return env


def _connect(database: str, **kwargs) -> psycopg.Connection:
    s = _settings_dict()
    return psycopg.connect(
        dbname=database,
        host=s.get("HOST") or None,
        port=s.get("PORT") or None,
        user=s.get("USER") or None,
        password=s.get("PASSWORD") or None,
        **kwargs,
    )


def _run(tool: str, *args: str, database: str) -> None:
    if shutil.which(tool) is None:
        raise RestoreDrillError(f"{tool} is not installed (Debian: postgresql-client).")
    done = subprocess.run(
        [tool, *args], env=_libpq_env(database), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RestoreDrillError(f"{tool} failed: {done.stderr.strip()[-2000:]}")


@contextmanager
def django_database(name: str) -> Iterator[None]:
    """Django's default connection on another database of the same server, for a while
    (what Django's own test runner does to reach the test database)."""
    connection = connections["default"]
    previous = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = previous


# --- the steps (each a function: a test breaks one to prove the drill notices) --------------

TABLES = """
    SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg_toast%'
    ORDER BY 1
"""
TRIGGERS = """
    SELECT c.relname || '.' || t.tgname, t.tgenabled
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
    WHERE NOT t.tgisinternal ORDER BY 1
"""


def row_counts(cursor) -> dict[str, int]:
    cursor.execute(TABLES)
    counts = {}
    for (table,) in cursor.fetchall():
        cursor.execute(f"SELECT count(*) FROM {table}")  # a name quoted by quote_ident
        counts[table] = cursor.fetchone()[0]
    return counts


def database_dump(drill: RestoreDrill, snapshot: str) -> None:
    _run(
        "pg_dump",
        "--format=custom",
        f"--snapshot={snapshot}",
        f"--file={drill.dump_path}",
        database=drill.source_database,
    )


def database_create(drill: RestoreDrill) -> None:
    with _connect("postgres", autocommit=True) as admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [drill.target_database]
        ).fetchone()
        if exists:
            raise RestoreDrillError(
                f"Database {drill.target_database} exists already: name another (--target)."
            )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(drill.target_database)))


def database_restore(drill: RestoreDrill) -> None:
    _run(
        "pg_restore",
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        f"--dbname={drill.target_database}",
        str(drill.dump_path),
        database=drill.target_database,
    )


def attachments_dump(drill: RestoreDrill) -> None:
    """The attachment store's folder as a tar archive (taken after the database dump: a file
    is written before its row commits, so every row in the dump has its file by then)."""
    root = drill.attachments_root
    if root is None:
        return
    with tarfile.open(drill.attachments_archive, "w:gz") as archive:
        if root.exists():
            archive.add(str(root), arcname=".")


def attachments_restore(drill: RestoreDrill) -> None:
    if drill.attachments_root is None:
        return
    drill.restored_attachments_root.mkdir(parents=True)
    with tarfile.open(drill.attachments_archive, "r:gz") as archive:
        archive.extractall(drill.restored_attachments_root, filter="data")


def database_drop(name: str) -> None:
    with _connect("postgres", autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


# --- the checks --------------------------------------------------------------------------------


def compare_row_counts(drill: RestoreDrill, source: dict[str, int]) -> None:
    with _connect(drill.target_database) as restored, restored.cursor() as cursor:
        copy = row_counts(cursor)
    wrong = [
        f"{table}: {count} -> {copy.get(table, 'missing')}"
        for table, count in source.items()
        if copy.get(table) != count
    ]
    wrong += [f"{table}: not in the source" for table in copy.keys() - source.keys()]
    drill.add(
        "row counts",
        not wrong,
        "; ".join(wrong) or f"{len(source)} tables, {sum(source.values())} rows, all equal",
    )


def compare_triggers(drill: RestoreDrill) -> None:
    source = dict(drill.source_rows(TRIGGERS))
    with _connect(drill.target_database) as restored:
        copy: dict[str, str] = dict(restored.execute(TRIGGERS).fetchall())
    wrong = [
        f"{name}: {'missing' if name not in copy else 'disabled'}"
        for name, enabled in source.items()
        if copy.get(name) != enabled
    ]
    drill.add(
        "triggers",
        not wrong,
        "; ".join(wrong) or f"{len(source)} triggers present and enabled as in the source",
    )


def app_checks() -> list[Callable[[RestoreDrill], Iterable[Finding]]]:
    return [
        import_string(dotted)
        for config in apps.get_app_configs()
        for dotted in getattr(config, "restore_drill_checks", [])
    ]


def _run_app_checks(drill: RestoreDrill) -> None:
    with django_database(drill.target_database):
        for check in app_checks():
            try:
                drill.findings.extend(check(drill))
            except Exception as exc:  # a check that crashes is a failed check, reported
                drill.add(getattr(check, "__name__", str(check)), False, repr(exc))


def attachments_root() -> Path | None:
    backend = storages["attachments"]
    if isinstance(backend, FileSystemStorage):
        return Path(backend.location)
    return None


def restore_drill_run(
    *, target_database: str | None = None, work_dir: Path | None = None, keep: bool = False
) -> RestoreDrill:
    """Dump, restore, check; drop the restored database and folder unless `keep`."""
    source = _settings_dict()["NAME"]
    drill = RestoreDrill(
        source_database=source,
        target_database=target_database or f"{source}_restore_drill",
        work_dir=Path(work_dir or tempfile.mkdtemp(prefix="caseflow-restore-drill-")),
        attachments_root=attachments_root(),
    )
    drill.work_dir.mkdir(parents=True, exist_ok=True)
    created_database = False
    try:
        # The snapshot's transaction stays open until the checks have compared against it
        # (on a large installation it holds VACUUM back for the drill's few minutes).
        with _connect(source) as snapshot:
            snapshot.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            snapshot.read_only = True
            (snapshot_id,) = snapshot.execute("SELECT pg_export_snapshot()").fetchall()[0]
            drill._snapshot = snapshot
            database_dump(drill, snapshot_id)
            with snapshot.cursor() as cursor:
                counts = row_counts(cursor)
            attachments_dump(drill)
            database_create(drill)
            created_database = True
            database_restore(drill)
            attachments_restore(drill)
            compare_row_counts(drill, counts)
            compare_triggers(drill)
            _run_app_checks(drill)
            snapshot.rollback()
    finally:
        drill._snapshot = None
        if not keep:
            if created_database:
                database_drop(drill.target_database)
            if work_dir is None:
                shutil.rmtree(drill.work_dir, ignore_errors=True)
            else:
                drill.dump_path.unlink(missing_ok=True)
                drill.attachments_archive.unlink(missing_ok=True)
                shutil.rmtree(drill.restored_attachments_root, ignore_errors=True)
    return drill
