"""Stage transitions through the services in forked worker processes, and pgbench as the
machine's ceiling for small write transactions."""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.scenarios.common import _log

PGBENCH_DATABASE = "caseflow_bench_pgbench"
OPEN = ("NEW", "ASSIGNED", "STARTED")


def _with_db(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def _prepare_transition_cases(workers: int) -> list[tuple[int, int]]:
    """Open one case per worker through the services and drive it to follow-up."""
    import datetime
    import random

    import time_machine
    from django.db import transaction
    from django.utils import timezone

    import case_flows.cases.services as case_services
    from accounts.models import Team, User
    from case_flows.demo import replay
    from case_flows.models import Category

    team = (
        Team.objects.filter(supervisor__isnull=False).select_related("office", "supervisor").first()
    )
    caseworkers = list(User.objects.filter(teams=team, groups__name="caseworker").order_by("pk"))
    category = Category.objects.filter(is_active=True).order_by("pk").first()
    prepared = []
    for n in range(workers):
        rng = random.Random(f"bench-transitions-{n}")
        caseworker = caseworkers[n % len(caseworkers)]
        start = timezone.now() - datetime.timedelta(days=40)
        clock = [start]
        with transaction.atomic(), time_machine.travel(start, tick=False):
            person = case_services.person_create(
                actor=caseworker, office=team.office, given_name="Bench", family_name=f"Case {n}"
            )
            case = case_services.case_open(
                actor=caseworker,
                person=person,
                office=team.office,
                category=category,
                risk="medium",
                source="walk_in",
                presenting_concerns="Bench case for the transition scenario.",
                team=team,
            )
        with transaction.atomic():
            replay.drive(
                case,
                "follow_up",
                rng=rng,
                supervisor=team.supervisor,
                caseworker=caseworker,
                clock=clock,
            )
        prepared.append((case.pk, caseworker.pk))
    return prepared


def _transition_worker(case_id: int, actor_id: int, start_at: float, seconds: float, queue):
    """One worker: complete the case's follow-up task with 'continue', again and again."""
    from django.db import connections

    connections.close_all()  # never share the parent's socket after fork
    from django.utils import timezone
    from viewflow.workflow.models import Task

    import case_flows.work.services as work_services
    from accounts.models import User

    actor = User.objects.get(pk=actor_id)
    done, errors = 0, []
    while time.time() < start_at:
        time.sleep(0.005)
    deadline = start_at + seconds
    while time.time() < deadline:
        try:
            task = (
                Task.objects.filter(
                    process__caseprocess__case_id=case_id,
                    status__in=OPEN,
                    flow_task_type="HUMAN",
                )
                .order_by("-pk")
                .first()
            )
            actor = User.objects.get(pk=actor_id)  # a fresh request user each time
            work_services.follow_up_record(
                task=task,
                actor=actor,
                date=timezone.localdate(),
                mode="phone",
                notes="Bench follow-up: family engaging with the plan.",
                next_step="continue",
            )
            done += 1
        except Exception as exc:  # reported with the result
            errors.append(repr(exc)[:200])
            if len(errors) > 20:
                break
    connections.close_all()
    queue.put((done, errors))


def transitions_scenario(*, workers: int, seconds: float) -> dict:
    from django.db import connections

    _log(f"transitions: preparing {workers} cases through the services")
    prepared = _prepare_transition_cases(workers)
    connections.close_all()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    start_at = time.time() + 1.0
    processes = [
        context.Process(
            target=_transition_worker, args=(case_id, actor_id, start_at, seconds, queue)
        )
        for case_id, actor_id in prepared
    ]
    _log(f"transitions: {workers} worker processes for {seconds:.0f} s")
    for process in processes:
        process.start()
    outcomes = [queue.get(timeout=seconds + 120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    total = sum(done for done, _errors in outcomes)
    errors = [e for _done, errs in outcomes for e in errs]
    _purge_broker()
    return {
        "workers": workers,
        "seconds": seconds,
        "transitions": total,
        "per_worker": [done for done, _errors in outcomes],
        "transitions_per_s": round(total / seconds, 1),
        "errors": errors[:5],
        "what": "follow_up_record(next_step='continue') on its own case per worker: task "
        "lookup, service, flow lock, viewflow routing, next task, SLA clocks, timeline",
    }


def _purge_broker() -> None:
    """The services enqueued notification deliveries nobody consumes here: drop them."""
    try:
        from config.celery import app

        app.control.purge()
    except Exception as exc:  # the broker is optional for the figures
        _log(f"could not purge the bench broker queue: {exc!r}")


def _pgbench_binary() -> str | None:
    for candidate in (shutil.which("pgbench"), "/usr/lib/postgresql/15/bin/pgbench"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def pgbench_scenario(url: str, *, seconds: float, clients: int = 4) -> dict:
    from bench import _env

    binary = _pgbench_binary()
    if binary is None:
        return {"tps": None, "reason": "pgbench not found"}
    target = _with_db(url, PGBENCH_DATABASE)
    _env.ensure_database(target)
    parts = urlsplit(target)
    args = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432)]
    args += ["-U", parts.username or "postgres"]
    env = {**os.environ}
    if parts.password:
        env["PGPASSWORD"] = parts.password
    import psycopg

    with psycopg.connect(target, autocommit=True) as conn:
        initialised = conn.execute(
            "SELECT 1 FROM pg_tables WHERE tablename = 'pgbench_branches'"
        ).fetchone()
    if not initialised:
        _log("pgbench: initialising scale 10")
        subprocess.run(
            [binary, "-i", "-q", "-s", "10", *args, PGBENCH_DATABASE],
            check=True,
            env=env,
            capture_output=True,
        )
    _log(f"pgbench -N, {clients} clients, {seconds:.0f} s")
    done = subprocess.run(
        [
            binary,
            "-N",
            "-c",
            str(clients),
            "-j",
            str(min(clients, os.cpu_count() or 1)),
            "-T",
            str(int(seconds)),
            *args,
            PGBENCH_DATABASE,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", done.stdout)
    return {
        "tps": round(float(match.group(1)), 1) if match else None,
        "clients": clients,
        "seconds": seconds,
        "database": PGBENCH_DATABASE,
    }
