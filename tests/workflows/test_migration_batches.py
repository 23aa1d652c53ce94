"""Long data migrations in batches (workflows/migration_batches.py): a walk interrupted after
some batches keeps them, and run again it does the rest, each row exactly once; a finished walk
does nothing; inside one transaction it refuses to start."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Concat

from workflows.migration_batches import (
    PROGRESS_TABLE,
    MigrationBatchesError,
    run_in_batches,
)

NAME = "tests.0001_mark_groups"


class Crash(Exception):
    pass


@pytest.fixture
def groups(transactional_db):
    """25 rows to walk (names batch-00 ... batch-24), and no progress left from another test."""
    Group.objects.bulk_create(Group(name=f"batch-{n:02}") for n in range(25))
    yield Group.objects.filter(name__startswith="batch-")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {PROGRESS_TABLE} WHERE name = %s", [NAME])


def mark(batch):
    """The data migration: append one '!' to each name (twice would show as '!!')."""
    batch.update(name=Concat("name", Value("!")))


def crashing_after(batches: int):
    done = []

    def apply(batch):
        if len(done) == batches:
            mark(batch)  # written, then the crash: this batch must be rolled back
            raise Crash
        mark(batch)
        done.append(batch)

    return apply


def names(groups):
    return list(groups.order_by("pk").values_list("name", flat=True))


def test_an_interrupted_walk_resumes_and_applies_each_batch_once(groups):
    with pytest.raises(Crash):
        run_in_batches(name=NAME, queryset=groups, apply=crashing_after(2), batch_size=10)

    # Two batches of ten committed; the third (rows 20-24), interrupted, left nothing.
    assert [n.endswith("!") for n in names(groups)] == [True] * 20 + [False] * 5

    run = run_in_batches(name=NAME, queryset=groups, apply=mark, batch_size=10)

    assert run.resumed_after == groups.order_by("pk")[19].pk
    assert (run.batches, run.rows, run.finished) == (1, 5, True)
    assert names(groups) == [f"batch-{n:02}!" for n in range(25)]


def test_a_finished_walk_does_nothing_again(groups):
    first = run_in_batches(name=NAME, queryset=groups, apply=mark, batch_size=7)
    again = run_in_batches(name=NAME, queryset=groups, apply=mark, batch_size=7)

    assert (first.batches, first.rows, first.finished) == (4, 25, True)
    assert (again.batches, again.rows, again.finished) == (0, 0, True)
    assert names(groups) == [f"batch-{n:02}!" for n in range(25)]


def test_it_refuses_to_run_inside_one_transaction(groups):
    with transaction.atomic(), pytest.raises(MigrationBatchesError, match="atomic = False"):
        run_in_batches(name=NAME, queryset=groups, apply=mark)
    assert all(not n.endswith("!") for n in names(groups))
