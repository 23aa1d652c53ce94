"""Long data migrations in batches that resume (docs/data-migrations.md): walk a table by
primary-key ranges, each batch in its own transaction together with the progress it makes, so
a run stopped by a crash, a timeout or Ctrl-C continues where it stopped and never applies a
batch twice.

Used from a RunPython operation of a migration declared `atomic = False` (otherwise the whole
walk is one transaction again and a crash loses all of it):

    def forwards(apps, schema_editor):
        Person = apps.get_model("case_flows", "Person")
        run_in_batches(
            name="case_flows.0042_person_search_name",
            queryset=Person.objects.all(),
            apply=lambda batch: batch.update(search_name=Lower("last_name")),
            using=schema_editor.connection.alias,
        )

The progress lives in its own table (`migration_batch_progress`, made on first use: a data
migration of any app can use it without depending on a migration of this one), one row per
walk: the last primary key done, and when the walk finished.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, transaction
from django.db.models import QuerySet

PROGRESS_TABLE = "migration_batch_progress"
DEFAULT_BATCH_SIZE = 1000


class MigrationBatchesError(Exception):
    pass


@dataclass
class BatchRun:
    name: str
    batches: int = 0  # batches applied by this run
    rows: int = 0  # rows in them (what `apply` was given)
    resumed_after: object = None  # the last key a previous run had done, if any
    finished: bool = False


def _ensure_progress_table(using: str) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {PROGRESS_TABLE} ("
            " name varchar(200) PRIMARY KEY,"
            " last_pk bigint,"
            " batches integer NOT NULL DEFAULT 0,"
            " started_at timestamp with time zone NOT NULL DEFAULT now(),"
            " updated_at timestamp with time zone NOT NULL DEFAULT now(),"
            " finished_at timestamp with time zone)"
        )


def _progress_row(using: str, name: str) -> tuple[int | None, bool]:
    """(last_pk, finished) of the walk, its row locked until the batch's transaction ends:
    two migrate runs at once take turns, and each reads what the other left."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PROGRESS_TABLE} (name) VALUES (%s) ON CONFLICT (name) DO NOTHING",
            [name],
        )
        cursor.execute(
            f"SELECT last_pk, finished_at IS NOT NULL FROM {PROGRESS_TABLE} "
            "WHERE name = %s FOR UPDATE",
            [name],
        )
        last_pk, finished = cursor.fetchone()
    return last_pk, finished


def _progress_save(using: str, name: str, last_pk, finished: bool) -> None:
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"UPDATE {PROGRESS_TABLE} SET last_pk = %s, batches = batches + %s, "
            "updated_at = now(), finished_at = CASE WHEN %s THEN now() END WHERE name = %s",
            [last_pk, 0 if finished else 1, finished, name],
        )


def run_in_batches(
    *,
    name: str,
    queryset: QuerySet,
    apply: Callable[[QuerySet], object],
    batch_size: int = DEFAULT_BATCH_SIZE,
    using: str = "default",
) -> BatchRun:
    """Call `apply(batch)` on `queryset` cut into primary-key ranges of up to `batch_size`
    rows, in key order; each batch and its progress commit together. `name` identifies the
    walk (the migration's name): run again, it starts after the last batch committed, and
    once finished it does nothing. The primary key must be an integer. `apply` must only
    touch the rows of its batch (what it does to others is not tracked)."""
    connection = connections[using]
    if connection.in_atomic_block:
        raise MigrationBatchesError(
            f"{name}: run_in_batches needs its own transactions: declare the migration "
            "`atomic = False` (each batch then commits on its own)."
        )
    _ensure_progress_table(using)
    run = BatchRun(name=name)
    keys = queryset.using(using).order_by("pk").values_list("pk", flat=True)
    first = True
    while True:
        with transaction.atomic(using=using):
            last_pk, finished = _progress_row(using, name)
            if first:
                run.resumed_after, first = last_pk, False
            if finished:
                run.finished = True
                return run
            remaining = keys if last_pk is None else keys.filter(pk__gt=last_pk)
            upper = list(remaining[batch_size - 1 : batch_size]) or list(remaining.reverse()[:1])
            if not upper:
                _progress_save(using, name, last_pk, finished=True)
                run.finished = True
                return run
            batch = queryset.using(using).filter(pk__lte=upper[0])
            if last_pk is not None:
                batch = batch.filter(pk__gt=last_pk)
            run.rows += batch.count()
            apply(batch)
            _progress_save(using, name, upper[0], finished=False)
            run.batches += 1
