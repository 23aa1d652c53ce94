"""Bench: the SLA escalation sweep against viewflow's timer dispatcher, same data, same run.

    DJANGO_SETTINGS_MODULE=config.settings.test \
        python -m bench.sla_sweep --clocks 200000 --due 20000

Uses the database named by BENCH_DATABASE (default "caseflow_bench") on the server of
DATABASE_URL, creates and migrates it if missing, and writes bench/results/sla_sweep.json.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# bench.run (bench/scenarios/sweep.py) points this elsewhere so its runs leave the committed
# result file alone
RESULTS = Path(
    os.environ.get("SLA_SWEEP_RESULTS")
    or Path(__file__).resolve().parent / "results" / "sla_sweep.json"
)


def _setup(database: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/caseflow"
    parts = urlsplit(base)
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{database}"))
    import psycopg

    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    # the bench flow lives in this package: make it an app so viewflow can reference it
    settings_module = importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"])
    if "bench" not in settings_module.INSTALLED_APPS:
        settings_module.INSTALLED_APPS.append("bench")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def _fixtures():
    from accounts.models import Office, Role, Team, User
    from accounts.roles import ensure_role_groups
    from workflows.sla.models import SlaPolicy
    from workflows.sla.units import ClockKind, PolicyStatus, TargetUnit

    office, _ = Office.objects.get_or_create(
        code="BENCH", defaults={"name": "Bench", "jurisdiction": "GH", "timezone": "Africa/Accra"}
    )
    supervisor, _ = User.objects.get_or_create(
        username="bench-sup", defaults={"home_office": office}
    )
    team, _ = Team.objects.get_or_create(
        office=office, name="Bench", defaults={"supervisor": supervisor}
    )
    groups = ensure_role_groups()
    for n in range(3):
        manager, _ = User.objects.get_or_create(
            username=f"bench-mgr{n}", defaults={"home_office": office}
        )
        manager.groups.add(groups[Role.MANAGER])
    policy, _ = SlaPolicy.objects.get_or_create(
        key="bench",
        version=1,
        defaults={
            "name": "Bench",
            "kind": ClockKind.TASK,
            "node_name": "assess",
            "target_amount": 3,
            "target_unit": TargetUnit.WORKING_DAYS,
            "status": PolicyStatus.CONFIRMED,
            "effective_from": "2020-01-01",
            "in_use": True,
        },
    )
    return office, team, supervisor, policy


def _create_clocks(n: int, due: int, office, team, owner, policy) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from accounts.models import Team

    subject_type = ContentType.objects.get_for_model(Team).pk
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE case_flows_delaynotice, workflows_slaescalation, workflows_slapause,"
            " workflows_slaclock"
        )
        # due clocks are past their warning, waiting for the breach step; the rest are not due
        cursor.execute(
            """
            INSERT INTO workflows_slaclock (
                subject_type_id, subject_id, office_id, team_id, owner_id, risk, category, kind,
                name, policy_id, status, started_at, due_at, warn_at, breached,
                escalation_level, next_step, next_step_at, priority, paused_total, created_at)
            SELECT %(ct)s, g, %(office)s, %(team)s, %(owner)s, 'medium', '', 'task', 'assess',
                %(policy)s, 'running',
                CASE WHEN g <= %(due)s THEN now() - interval '5 days' ELSE now() END,
                CASE WHEN g <= %(due)s THEN now() - interval '1 hour'
                     ELSE now() + interval '5 days' END,
                CASE WHEN g <= %(due)s THEN now() - interval '1 day'
                     ELSE now() + interval '3 days' END,
                false,
                CASE WHEN g <= %(due)s THEN 0 ELSE -1 END,
                CASE WHEN g <= %(due)s THEN 1 ELSE 0 END,
                CASE WHEN g <= %(due)s THEN now() - interval '1 hour' - g * interval '1 ms'
                     ELSE now() + interval '3 days' + g * interval '1 ms' END,
                10, interval '0', now()
            FROM generate_series(1, %(n)s) AS g
            """,
            {
                "ct": subject_type,
                "office": office.pk,
                "team": team.pk,
                "owner": owner.pk,
                "policy": policy.pk,
                "due": due,
                "n": n,
            },
        )
        cursor.execute("VACUUM ANALYZE workflows_slaclock")


def _reset_due(due: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE workflows_slaescalation")
        cursor.execute(
            """UPDATE workflows_slaclock SET escalation_level = 0, next_step = 1, breached = false,
               breached_at = NULL, priority = 10,
               next_step_at = now() - interval '1 hour' - subject_id * interval '1 ms'
               WHERE subject_id <= %s""",
            [due],
        )
        # steady state, as autovacuum keeps it: the reset leaves dead index entries behind
        cursor.execute("VACUUM ANALYZE workflows_slaclock")


def _sweep_with_workers(workers: int, batch: int):
    """Run the sweep from `workers` threads (own DB connections), like several Celery workers."""
    import threading

    from django.db import connection
    from django.utils import timezone

    from workflows.sla.sweep import sla_sweep

    now = timezone.now()
    results, errors = [], []

    def run():
        try:
            results.append(sla_sweep(now=now, batch_size=batch))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return sum(r.escalations for r in results), sum(r.batches for r in results)


def _bench_sla(due: int, batch: int, repeat: int, workers: int) -> dict:
    from workflows.sla.calendar import clear_calendar_cache, public_holidays

    rates, runs = [], []
    public_holidays.cache_clear()
    for attempt in range(repeat):
        if attempt:
            _reset_due(due)
        clear_calendar_cache()
        began = time.perf_counter()
        escalations, batches = _sweep_with_workers(workers, batch)
        elapsed = time.perf_counter() - began
        if escalations != due:
            raise SystemExit(f"expected {due} escalations, got {escalations}")
        rates.append(escalations / elapsed)
        runs.append({"escalations": escalations, "batches": batches, "seconds": round(elapsed, 3)})
    return {
        "workers": workers,
        "escalations_per_second": round(statistics.median(rates), 1),
        "runs": runs,
    }


def _bench_viewflow(count: int) -> dict:
    from django.db import connection
    from django.utils import timezone
    from viewflow.workflow.models import Process, Task
    from viewflow.workflow.status import PROCESS, STATUS
    from viewflow.workflow.timers import fire_due_timers

    from bench.timer_flow import TimerBenchFlow

    with connection.cursor() as cursor:
        # not TRUNCATE ... CASCADE: SLA clocks reference viewflow tasks
        cursor.execute("DELETE FROM viewflow_task_previous")
        cursor.execute("DELETE FROM viewflow_task")
        cursor.execute("DELETE FROM viewflow_process")
    past = timezone.now() - timedelta(minutes=1)
    processes = Process.objects.bulk_create(
        [Process(flow_class=TimerBenchFlow, status=PROCESS.NEW) for _ in range(count)]
    )
    Task.objects.bulk_create(
        [
            Task(
                process=process,
                flow_task=TimerBenchFlow.wait,
                flow_task_type="TIMER",
                status=STATUS.SCHEDULED,
                scheduled=past,
            )
            for process in processes
        ]
    )
    began = time.perf_counter()
    fired = fire_due_timers()
    elapsed = time.perf_counter() - began
    if fired != count:
        raise SystemExit(f"viewflow fired {fired} of {count} timers")
    return {
        "timers": fired,
        "seconds": round(elapsed, 3),
        "timers_per_second": round(fired / elapsed, 1),
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clocks", type=int, default=200_000, help="open clocks in total")
    parser.add_argument("--due", type=int, default=20_000, help="clocks due now")
    parser.add_argument("--batch", type=int, default=1000, help="sweep batch size")
    parser.add_argument("--repeat", type=int, default=3, help="sweep runs (median reported)")
    parser.add_argument("--viewflow-cap", type=int, default=2000, help="viewflow timers at most")
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, 2],
        help="sweep worker counts to measure (threads with their own connections)",
    )
    args = parser.parse_args(argv)
    database = os.environ.get("BENCH_DATABASE", "caseflow_bench")
    _setup(database)

    office, team, owner, policy = _fixtures()
    began = time.perf_counter()
    _create_clocks(args.clocks, args.due, office, team, owner, policy)
    created_in = time.perf_counter() - began
    sweeps = []
    for workers in args.workers:
        _reset_due(args.due)
        sweeps.append(_bench_sla(args.due, args.batch, args.repeat, workers))
    viewflow = _bench_viewflow(min(args.due, args.viewflow_cap))
    single = next((x for x in sweeps if x["workers"] == 1), sweeps[0])
    best = max(sweeps, key=lambda x: x["escalations_per_second"])
    result = {
        "scenario": "sla_sweep",
        "database": database,
        "clocks": args.clocks,
        "due": args.due,
        "batch_size": args.batch,
        "clocks_created_seconds": round(created_in, 2),
        "sla_sweep": sweeps,
        "viewflow_fire_due_timers": viewflow,
        # viewflow's dispatcher does not speed up with a second instance (PERFORMANCE.md),
        # so both ratios are against its single-dispatcher rate
        "ratio_single_worker": round(
            single["escalations_per_second"] / viewflow["timers_per_second"], 1
        ),
        "ratio_best": round(best["escalations_per_second"] / viewflow["timers_per_second"], 1),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "budget": {"escalations_per_second": 5000, "ratio": 50},
    }
    result["within_budget"] = {
        "single_worker": single["escalations_per_second"] >= 5000
        and result["ratio_single_worker"] >= 50,
        "best": best["escalations_per_second"] >= 5000 and result["ratio_best"] >= 50,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    json.dump(result, sys.stdout, indent=2)
    print()
    return result


if __name__ == "__main__":
    main()
