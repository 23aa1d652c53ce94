"""Scale out (issue #22): real Celery workers on separate processes share the SLA sweep and the
notification outbox; throughput with one worker process against two on the same backlog,
and no escalation step or SMS done twice.

Each measurement: a backlog of due SLA clocks and pending SMS deliveries, two sweep messages
(as when one run outlasts beat's interval) and the deliveries' messages (NOTIFICATIONS_BATCH_SIZE
ids each), timed until every step is escalated and every delivery sent. The workers are
started once (`celery worker --pool solo`, so one process runs one task at a time); for the
one-worker runs the second stops consuming (`cancel_consumer`), and the two kinds of run
alternate so a change in the machine's load hits both. What was done is counted from what the
workers wrote: the escalation handler's lines and the file SMS backend's lines, one file per
worker (a duplicate is a line beyond the first for a (clock, step) or a delivery).

Its own database (it truncates the SLA and notification tables), never the national dataset:

    REDIS_URL=redis://127.0.0.1:6379/12 python -m bench.scenarios.scale_out \\
        --database-url postgres://postgres@127.0.0.1:5432/caseflow_bench_harness_scale_out
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.scenarios.common import ROOT, _log, _run_in_own_database

SCALE_OUT_DATABASE = "caseflow_bench_harness_scale_out"
WORKERS = ("w1", "w2")
# The tests' escalation handler: one line per escalation, to the file SLA_TEST_HANDLER_LOG.
HANDLER = "tests.workflows.celery_handler.record"
QUEUES = ("celery", "sweeps")


# --- in the bench (bench.run) ----------------------------------------------------------------
def scale_out_scenario(url: str, **options) -> dict:
    """The harness below in a subprocess, on its own database on `url`'s server."""
    return _run_in_own_database("bench.scenarios.scale_out", url, SCALE_OUT_DATABASE, **options)


# --- the harness (its own process and database) ----------------------------------------------
def _recipients(count: int, office) -> list[int]:
    from accounts.models import User
    from notifications.models import Event, NotificationPreference

    ids = []
    for n in range(count):
        user, _ = User.objects.get_or_create(
            username=f"bench-sms{n}",
            defaults={"home_office": office, "phone": f"+23324{n:07d}", "email": ""},
        )
        NotificationPreference.objects.get_or_create(
            user=user, office=None, event=Event.SLA_BREACH, defaults={"email": False, "sms": True}
        )
        ids.append(user.pk)
    return ids


def _create_deliveries(recipient_ids: list[int], count: int) -> list[int]:
    """`count` pending SMS deliveries through the outbox, as the escalations would write them."""
    from django.db import connection, transaction

    from notifications.models import Channel, Delivery, DeliveryStatus, Event
    from notifications.outbox import NotificationRequest, notify_bulk

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE notifications_notification CASCADE")
    with transaction.atomic():
        notify_bulk(
            [
                NotificationRequest(
                    recipient_id=recipient_ids[n % len(recipient_ids)],
                    event=Event.SLA_BREACH,
                    dedupe_key=f"bench-scale-out:{n}",
                    case_reference=f"BENCH-2026-{n:06d}",
                    link=f"/cases/{n}/",
                )
                for n in range(count)
            ]
        )
    return list(
        Delivery.objects.filter(channel=Channel.SMS, status=DeliveryStatus.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _reset_deliveries() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notifications_delivery SET status = 'pending', attempts = 0, sent_at = NULL,"
            " last_attempt_at = NULL, last_error = '', next_attempt_at = now()"
            " WHERE channel = 'sms'"
        )
        cursor.execute("VACUUM ANALYZE notifications_delivery")


def _start_workers(folder: Path, url: str) -> tuple[list[subprocess.Popen], list[Path]]:
    from django.conf import settings

    processes, logs = [], []
    for name in WORKERS:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": url,
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "SMS_BACKEND": "notifications.backends.sms.FileSmsBackend",
            "SMS_FILE_PATH": str(folder / f"sms-{name}.jsonl"),
            "SLA_ESCALATION_HANDLERS": HANDLER,
            "SLA_TEST_HANDLER_LOG": str(folder / f"escalations-{name}.log"),
        }
        log = folder / f"worker-{name}.log"
        logs.append(log)
        with log.open("w") as handle:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"]
                    + ["--without-mingle", "--without-gossip", "-l", "warning", "-n", f"{name}@%h"],
                    cwd=ROOT,
                    env=env,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                )
            )
    return processes, logs


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _hostnames(timeout: float = 120) -> dict[str, str]:
    """Worker name (w1, w2) -> its Celery hostname, once both answer a ping."""
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        names = {
            host.split("@", 1)[0]: host for reply in app.control.ping(timeout=1.0) for host in reply
        }
        if set(WORKERS) <= set(names):
            return names
    raise RuntimeError("the bench workers did not answer")


def _consume(hostname: str, *, on: bool) -> None:
    from config.celery import app

    for queue in QUEUES:
        if on:
            app.control.add_consumer(queue, destination=[hostname], reply=True)
        else:
            app.control.cancel_consumer(queue, destination=[hostname], reply=True)


def _written(folder: Path) -> dict[str, dict[str, list[str]]]:
    """What each worker wrote: escalation keys and SMS references."""
    done: dict[str, dict[str, list[str]]] = {}
    for name in WORKERS:
        handled = folder / f"escalations-{name}.log"
        sent = folder / f"sms-{name}.jsonl"
        done[name] = {
            "escalations": handled.read_text().splitlines() if handled.exists() else [],
            "sms": [json.loads(line)["reference"] for line in sent.read_text().splitlines()]
            if sent.exists()
            else [],
        }
    return done


def _measure(*, workers: int, due: int, delivery_ids: list[int], folder: Path, timeout: float):
    from django.db import connection

    from bench.sla_sweep import _reset_due
    from config.celery import app
    from notifications.dispatch import enqueue_deliveries
    from workflows.sla.calendar import clear_calendar_cache

    _reset_due(due)
    _reset_deliveries()
    clear_calendar_cache()
    for name in WORKERS:
        for path in (folder / f"escalations-{name}.log", folder / f"sms-{name}.jsonl"):
            path.unlink(missing_ok=True)

    began = time.perf_counter()
    for _ in WORKERS:  # the same two sweep messages whichever number of workers consumes them
        app.send_task("workflows.tasks.sla_sweep")
    messages = enqueue_deliveries(delivery_ids)
    swept = sent = None  # when each kind of work was seen finished
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT count(*) FROM workflows_slaescalation),"
                " (SELECT count(*) FROM notifications_delivery WHERE status <> 'sent')"
            )
            escalations, unsent = cursor.fetchone()
        now = time.perf_counter() - began
        swept = swept if swept is not None or escalations < due else now
        sent = sent if sent is not None or unsent else now
        if swept is not None and sent is not None:
            break
        if time.perf_counter() - began > timeout:
            raise RuntimeError(f"not done in {timeout} s: {escalations} steps, {unsent} unsent")
        time.sleep(0.05)
    elapsed = time.perf_counter() - began
    time.sleep(0.5)  # a duplicate would be written after the rows were seen done
    done = _written(folder)
    escalation_lines = [line for d in done.values() for line in d["escalations"]]
    sms_lines = [ref for d in done.values() for ref in d["sms"]]
    missing = (due - len(set(escalation_lines))) + (len(delivery_ids) - len(set(sms_lines)))
    if missing:
        raise RuntimeError(f"{missing} escalations or SMS not written by the workers")
    return {
        "workers": workers,
        "seconds": round(elapsed, 3),
        "items": due + len(delivery_ids),
        "items_per_s": round((due + len(delivery_ids)) / elapsed, 1),
        "sweep_done_s": round(swept, 2),
        "outbox_done_s": round(sent, 2),
        "delivery_messages": messages,
        "duplicates": len(escalation_lines)
        - len(set(escalation_lines))
        + len(sms_lines)
        - len(set(sms_lines)),
        "by_worker": {
            name: {"escalations": len(d["escalations"]), "sms": len(d["sms"])}
            for name, d in done.items()
        },
    }


def harness(*, url: str, due: int, clocks: int, deliveries: int, batch: int, rounds: int) -> dict:
    from django.conf import settings

    from bench.sla_sweep import _create_clocks, _fixtures
    from config.celery import app

    settings.NOTIFICATIONS_BATCH_SIZE = batch
    office, team, owner, policy = _fixtures()
    _create_clocks(clocks, due, office, team, owner, policy)
    delivery_ids = _create_deliveries(_recipients(50, office), deliveries)
    app.control.purge()  # the outbox enqueued them on commit; each run sends them itself
    load_start = [round(x, 2) for x in os.getloadavg()]
    runs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-scale-out-") as tmp:
        folder = Path(tmp)
        processes, _logs = _start_workers(folder, url)
        try:
            hosts = _hostnames()
            for round_ in range(rounds):
                # alternate which kind of run goes first, so a trend in the load hits both
                order = (1, 2) if round_ % 2 == 0 else (2, 1)
                for workers in order:
                    _consume(hosts["w2"], on=workers == 2)
                    _log(f"scale out: round {round_ + 1}, {workers} worker process(es)")
                    run = _measure(
                        workers=workers,
                        due=due,
                        delivery_ids=delivery_ids,
                        folder=folder,
                        timeout=600,
                    )
                    if workers == 1 and any(run["by_worker"]["w2"].values()):
                        raise RuntimeError("the paused worker took work in a one-worker run")
                    runs.append(run)
        finally:
            _stop(processes)
            app.control.purge()
    one = statistics.median(r["items_per_s"] for r in runs if r["workers"] == 1)
    two = statistics.median(r["items_per_s"] for r in runs if r["workers"] == 2)
    return {
        "database": urlsplit(url).path.lstrip("/"),
        "due_clocks": due,
        "clocks": clocks,
        "sms_deliveries": deliveries,
        "delivery_batch": batch,
        "sweep_batch": settings.SLA_SWEEP_BATCH_SIZE,
        "scale_out_1_worker_items_per_s": one,
        "scale_out_2_workers_items_per_s": two,
        "scale_out_gain": round(two / one, 2),
        "scale_out_duplicates": sum(r["duplicates"] for r in runs),
        "runs": runs,
        "load_average_start": load_start,
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count(),
        "what": "items = SLA escalation steps + SMS deliveries; celery worker --pool solo "
        "processes on one machine with PostgreSQL and Redis; medians over the rounds",
    }


def main(argv=None) -> dict:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("SCALE_OUT_DATABASE_URL")
        or urlunsplit(
            urlsplit(
                os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/caseflow"
            )._replace(path=f"/{SCALE_OUT_DATABASE}")
        ),
        help="its own database (created and migrated; its SLA and notification rows replaced)",
    )
    parser.add_argument("--due", type=int, default=20_000, help="SLA clocks due now")
    parser.add_argument("--clocks", type=int, default=40_000, help="open SLA clocks in all")
    parser.add_argument("--deliveries", type=int, default=1000, help="pending SMS deliveries")
    parser.add_argument("--batch", type=int, default=50, help="delivery ids per Celery message")
    parser.add_argument("--rounds", type=int, default=3, help="one-worker and two-worker runs")
    parser.add_argument("--output", help="write the result here as JSON (else stdout)")
    args = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from bench import _env

    _env.setup(args.database_url)
    result = harness(
        url=args.database_url,
        due=args.due,
        clocks=args.clocks,
        deliveries=args.deliveries,
        batch=args.batch,
        rounds=args.rounds,
    )
    text = json.dumps(result, indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return result


if __name__ == "__main__":
    main()
