"""The generator: one run truncates, reads the reference data back, drops the secondary
indexes, writes the organisation and the cases, rebuilds the indexes, moves the sequences past
the generated ids and analyses the tables."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

from bench.generate.cases import CaseRows
from bench.generate.constants import BIG_TABLES, TRUNCATE
from bench.generate.db import _pending_indexes, _psycopg_params, _save_pending_indexes
from bench.generate.organisation import OrganisationRows
from bench.generate.writer import CaseWriter


class Generator(OrganisationRows, CaseRows, CaseWriter):
    def __init__(
        self, *, cases: int, offices: int, staff: int, seed: int, batch: int, workers: int = 1
    ):
        self.cases = cases
        self.workers = workers
        self.office_count = offices
        self.staff = staff
        self.seed = seed
        self.batch = batch
        self.rng = random.Random(seed)
        self.now = time.time()
        self.counts: dict[str, int] = {}
        self.timings: dict[str, float] = {}

    # --- the whole run -----------------------------------------------------------------
    def run(self, *, verbose: bool = True, vacuum: bool = True) -> dict:
        from django.db import connection, transaction

        self.verbose = verbose
        self.began = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
            cur.execute("SET maintenance_work_mem = '512MB'")
            # Generated rows are consistent by construction: skip per-row FK triggers.
            cur.execute("SET session_replication_role = replica")
        raw = connection.connection  # psycopg 3
        try:
            with transaction.atomic(), raw.cursor() as cur:
                cur.execute(f"TRUNCATE {', '.join(TRUNCATE)} RESTART IDENTITY CASCADE")
                # the SLA policy pack goes with the offices (CASCADE): seed it again first
                self._reference_data()
                dropped = self._drop_secondary_indexes(cur)
                phase = time.perf_counter()
                self._organisation(cur)
            if self.workers > 1:
                connection.close()  # forked workers must not inherit a live socket
                self._cases(None)
                connection.ensure_connection()
                raw = connection.connection
                with raw.cursor() as cur:
                    cur.execute("SET maintenance_work_mem = '512MB'")
            else:
                with transaction.atomic(), raw.cursor() as cur:
                    self._cases(cur)
            self.timings["copy_s"] = round(time.perf_counter() - phase, 1)
            phase = time.perf_counter()
            self._create_indexes(dropped)
            self.timings["indexes_s"] = round(time.perf_counter() - phase, 1)
            with raw.cursor() as cur:
                self._fix_sequences(cur)
                _save_pending_indexes(cur, [])
                # Django keeps its connection in autocommit: VACUUM runs outside a block
                phase = time.perf_counter()
                if vacuum:  # not inside a test's transaction
                    cur.execute(f"VACUUM (ANALYZE) {', '.join(BIG_TABLES)}")
                cur.execute("ANALYZE")
                self.timings["analyze_s"] = round(time.perf_counter() - phase, 1)
        finally:
            with connection.cursor() as cur:
                cur.execute("SET session_replication_role = DEFAULT")
        elapsed = time.perf_counter() - self.began
        self.timings["total_s"] = round(elapsed, 1)
        return {
            "cases": self.cases,
            "seed": self.seed,
            "counts": self.counts,
            "timings": self.timings,
            "seconds": round(elapsed, 1),
            "cases_per_s": round(self.cases / elapsed, 1),
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }

    def _drop_secondary_indexes(self, cur) -> list[str]:
        """Drop indexes not backing a constraint; returns the statements recreating them."""
        cur.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """,
            [BIG_TABLES],
        )
        found = cur.fetchall()
        statements = sorted(
            set(_pending_indexes(cur)) | {definition for _name, definition in found}
        )
        _save_pending_indexes(cur, statements)
        for name, _definition in found:
            cur.execute(f'DROP INDEX "{name}"')
        return statements

    def _create_indexes(self, statements: list[str]) -> None:
        """Rebuild the dropped indexes, on `workers` connections at once (or this one)."""
        from django.db import connection

        if self.workers <= 1 or len(statements) < 2:
            with connection.cursor() as cur:
                for statement in statements:
                    cur.execute(statement)
            return
        import threading

        import psycopg

        pending = list(statements)
        lock = threading.Lock()
        errors = []

        def build():
            with psycopg.connect(**_psycopg_params(), autocommit=True) as conn:
                conn.execute("SET maintenance_work_mem = '512MB'")
                while True:
                    with lock:
                        if not pending:
                            return
                        statement = pending.pop()
                    try:
                        conn.execute(statement)
                    except Exception as exc:  # re-raised below
                        errors.append(exc)

        threads = [threading.Thread(target=build) for _ in range(self.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def _fix_sequences(self, cur) -> None:
        cur.execute(
            """
            SELECT c.table_name, c.column_name FROM information_schema.columns c
            WHERE c.table_schema = 'public' AND c.is_identity = 'YES'
              AND c.table_name = ANY(%s)
            """,
            [
                [
                    *BIG_TABLES,
                    "accounts_region",
                    "accounts_office",
                    "accounts_user",
                    "accounts_user_groups",
                    "accounts_team",
                    "accounts_team_members",
                    "case_flows_casereferencecounter",
                ]
            ],
        )
        for table, column in cur.fetchall():
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                f"COALESCE((SELECT max({column}) FROM {table}), 0) + 1, false)"
            )
