"""Writing the cases batch by batch with COPY: in this process, or in forked writer
processes, each with its own connection."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from bench.generate.constants import BIG_TABLES
from bench.generate.db import _copy, _psycopg_params

if TYPE_CHECKING:
    from bench.generate.generator import Generator


class CaseWriter:
    """Part of Generator (bench/generate/generator.py): writing the batches."""

    def _cases(self, cur) -> None:
        """Write the cases batch by batch: in this process, or in `workers` forked ones."""
        self._fold_cache = {}
        batches = [
            (first, min(self.cases, first + self.batch - 1))
            for first in range(1, self.cases + 1, self.batch)
        ]
        totals = dict.fromkeys(self.TOTALS, 0)
        if self.workers <= 1:
            results = (self._write_cases(cur, first, last) for first, last in batches)
            self._collect(results, totals)
        else:
            import multiprocessing

            context = multiprocessing.get_context("fork")
            with context.Pool(self.workers, initializer=_worker_init, initargs=(self,)) as pool:
                self._collect(pool.imap_unordered(_worker_batch, batches), totals)
        self.counts.update(totals)

    def _write_cases(self, cur, first: int, last: int) -> tuple[int, dict]:
        rows, totals = self._batch_rows(first, last)
        self._write_batch(cur, rows)
        return last - first + 1, totals

    def _collect(self, results, totals: dict) -> None:
        written = 0
        for size, batch_totals in results:
            written += size
            for key, value in batch_totals.items():
                totals[key] += value
            if self.verbose:
                elapsed = time.perf_counter() - self.began
                print(
                    f"  {written:>9,} cases  {elapsed:6.1f} s  {written / elapsed:8.0f} cases/s",
                    file=sys.stderr,
                    flush=True,
                )

    def _write_batch(self, cur, rows: dict[str, list[str]]) -> None:
        columns = {
            "case_flows_person": "id, given_name, family_name, search_name, sex, date_of_birth, "
            "date_of_birth_estimated, national_id, phone, phone_digits, address, "
            "preferred_language, disability, disability_notes, created_at, created_by_id, "
            "office_id, version, source_system, external_ref",
            "case_flows_case": "id, reference, risk, stage, is_overdue, opened_at, closed_at, "
            "episode, created_by_id, office_id, owner_id, team_id, category_id, person_id, "
            "is_restricted, source_system, external_ref",
            "case_flows_intake": "id, source, presenting_concerns, immediate_safety, "
            "consent_to_share, completed_at, case_id, completed_by_id, answers",
            "viewflow_process": "id, flow_class, status, created, finished, data",
            "case_flows_caseprocess": "process_ptr_id, next_step, case_id",
            "viewflow_task": "id, flow_task, flow_task_type, status, created, started, finished, "
            "token, external_task_id, owner_permission, owner_id, process_id, "
            "owner_permission_content_type_id, owner_permission_obj_pk, assigned, "
            "artifact_content_type_id, artifact_object_id, data, seed_content_type_id, "
            "seed_object_id, scheduled",
            "viewflow_task_previous": "id, from_task_id, to_task_id",
            "case_flows_caseevent": "id, kind, from_stage, to_stage, transition, comment, data, "
            "created_at, actor_id, case_id, stage_entered_at",
            "workflows_slaclock": "id, subject_id, risk, category, kind, name, status, "
            "started_at, due_at, warn_at, stopped_at, breached, breached_at, escalation_level, "
            "next_step, next_step_at, priority, paused_total, created_at, office_id, owner_id, "
            "subject_type_id, task_id, team_id, policy_id",
            "notifications_notification": "id, event, dedupe_key, case_reference, link, params, "
            "created_at, read_at, write_batch, actor_id, recipient_id",
        }
        for table in BIG_TABLES:
            _copy(cur, table, columns[table], rows[table])


_WORKER: dict = {}


def _worker_init(generator: Generator) -> None:
    import psycopg

    conn = psycopg.connect(**_psycopg_params(), autocommit=True)
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET session_replication_role = replica")
    _WORKER.update(generator=generator, conn=conn)


def _worker_batch(bounds: tuple[int, int]) -> tuple[int, dict]:
    generator, conn = _WORKER["generator"], _WORKER["conn"]
    with conn.transaction(), conn.cursor() as cur:
        return generator._write_cases(cur, *bounds)
