"""The status page's figures (selectors): dependencies and their latency, Celery workers,
the beat jobs against their schedule, the SLA sweep's lag, the outbox by channel, the disk
left for attachments. Each part costs one query or one bounded probe."""

from __future__ import annotations

import datetime
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import current_app
from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from notifications.models import Channel, Delivery, DeliveryStatus

from ..sla.models import SlaClock
from ..sla.units import ClockStatus
from . import probes
from .beat import beat_jobs
from .models import BeatJobRun, SystemAlert

logger = logging.getLogger(__name__)

# How long the page waits for workers to answer (seconds): never longer.
WORKER_REPLY_TIMEOUT = 1.0


@dataclass(frozen=True)
class Dependency:
    name: str
    latency_ms: float | None  # None: failing

    @property
    def ok(self) -> bool:
        return self.latency_ms is not None


@dataclass(frozen=True)
class Worker:
    hostname: str
    queues: tuple[str, ...]


@dataclass(frozen=True)
class BeatJobStatus:
    entry: str
    task: str
    interval: datetime.timedelta
    last_run_at: datetime.datetime | None
    late_since: datetime.datetime  # the moment from which the job counts as late
    late: bool

    @property
    def interval_minutes(self) -> int:
        return max(1, round(self.interval.total_seconds() / 60))


@dataclass(frozen=True)
class ChannelBacklog:
    channel: str
    pending: int
    failed: int
    oldest_pending_at: datetime.datetime | None

    @property
    def label(self) -> str:
        return str(Channel(self.channel).label) if self.channel in Channel.values else self.channel


@dataclass(frozen=True)
class DiskSpace:
    path: str
    total: int
    free: int

    @property
    def free_percent(self) -> float:
        return 100.0 * self.free / self.total if self.total else 0.0


@dataclass
class SystemStatus:
    checked_at: datetime.datetime
    dependencies: list[Dependency] = field(default_factory=list)
    workers: list[Worker] | None = None  # None: the broker could not be asked
    beat: list[BeatJobStatus] = field(default_factory=list)
    sla_oldest_due_at: datetime.datetime | None = None
    outbox: list[ChannelBacklog] = field(default_factory=list)
    disk: DiskSpace | None = None
    alerts: list[SystemAlert] = field(default_factory=list)

    @property
    def sees_problems(self) -> bool:
        """What this check sees failing now, whether or not an alert is open yet (alerts are
        raised by a beat job, which itself needs a worker and beat)."""
        return (
            any(not dependency.ok for dependency in self.dependencies)
            or not self.workers
            or any(job.late for job in self.beat)
        )


def dependencies() -> list[Dependency]:
    checks: list = [("database", probes.database)]
    if settings.CELERY_BROKER_URL:
        checks.append(("broker", probes.broker))
    if probes.redis_configured_apart():
        checks.append(("redis", probes.redis))
    checks.append(("cache", probes.cache))
    return [Dependency(name, latency) for name, latency in probes.run_checks(checks).items()]


def workers_seen(timeout: float = WORKER_REPLY_TIMEOUT) -> list[Worker] | None:
    """The workers that answered within `timeout` seconds, with the queues they consume
    (one broadcast: a worker that lists its queues is alive). None when the broker failed."""
    try:
        replies = current_app.control.inspect(timeout=timeout).active_queues() or {}
    except Exception:
        logger.warning("could not ask the Celery workers", exc_info=True)
        return None
    return sorted(
        (
            Worker(hostname, tuple(sorted(queue.get("name", "") for queue in queues or ())))
            for hostname, queues in replies.items()
        ),
        key=lambda worker: worker.hostname,
    )


def beat_status(now: datetime.datetime) -> list[BeatJobStatus]:
    """Every beat job with its last run; late when that (or, never run, the moment the
    monitor first knew of it) is older than SYSTEM_ALERT_BEAT_INTERVALS intervals. One query;
    the first call writes the rows of jobs not seen before."""
    jobs = beat_jobs()
    runs = {run.task: run for run in BeatJobRun.objects.filter(task__in={j.task for j in jobs})}
    missing = {job.task for job in jobs} - set(runs)
    if missing:  # from here on a job that never runs is late
        BeatJobRun.objects.bulk_create(
            [BeatJobRun(task=task) for task in sorted(missing)], ignore_conflicts=True
        )
        runs.update({run.task: run for run in BeatJobRun.objects.filter(task__in=missing)})
    rows = []
    for job in jobs:
        run = runs.get(job.task)
        last = run.last_started_at if run else None
        since = last or (run.first_seen_at if run else now)
        late_since = since + _grace(job)
        rows.append(
            BeatJobStatus(
                entry=job.entry,
                task=job.task,
                interval=job.interval,
                last_run_at=last,
                late_since=late_since,
                late=now > late_since,
            )
        )
    return rows


def _grace(job) -> datetime.timedelta:
    """How long after its last run (or, never run, after it was first seen) a beat job
    counts as late: SYSTEM_ALERT_BEAT_INTERVALS of its intervals."""
    return settings.SYSTEM_ALERT_BEAT_INTERVALS * job.interval


def sla_oldest_due(now: datetime.datetime) -> datetime.datetime | None:
    """The oldest escalation step that is due and not yet taken (the sweep's own index)."""
    return SlaClock.objects.filter(status=ClockStatus.RUNNING, next_step_at__lte=now).aggregate(
        oldest=Min("next_step_at")
    )["oldest"]


def outbox_backlog() -> list[ChannelBacklog]:
    """Pending and failed deliveries by channel, with the oldest pending one: one query."""
    pending = Q(status=DeliveryStatus.PENDING)
    rows = (
        Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED])
        .values("channel")
        .annotate(
            pending=Count("id", filter=pending),
            failed=Count("id", filter=Q(status=DeliveryStatus.FAILED)),
            oldest=Min("created_at", filter=pending),
        )
        .order_by("channel")
    )
    return [
        ChannelBacklog(row["channel"], row["pending"], row["failed"], row["oldest"]) for row in rows
    ]


def attachments_disk() -> DiskSpace | None:
    """Free space where attachments are kept, when they are kept on a local disk."""
    storage: dict[str, Any] = settings.STORAGES.get("attachments", {})
    if not str(storage.get("BACKEND", "")).endswith("FileSystemStorage"):
        return None
    options: dict[str, Any] = storage.get("OPTIONS") or {}
    path = Path(options.get("location") or settings.PRIVATE_MEDIA_ROOT)
    while not path.exists() and path != path.parent:  # not created yet: its nearest parent
        path = path.parent
    usage = shutil.disk_usage(path)
    return DiskSpace(path=str(path), total=usage.total, free=usage.free)


def open_alerts() -> list[SystemAlert]:
    return list(SystemAlert.objects.filter(cleared_at__isnull=True).order_by("since", "id"))


def system_status(*, now: datetime.datetime | None = None) -> SystemStatus:
    now = now or timezone.now()
    return SystemStatus(
        checked_at=now,
        dependencies=dependencies(),
        workers=workers_seen(),
        beat=beat_status(now),
        sla_oldest_due_at=sla_oldest_due(now),
        outbox=outbox_backlog(),
        disk=attachments_disk(),
        alerts=open_alerts(),
    )


SLA_SWEEP_TASK = "workflows.tasks.sla_sweep"


@dataclass(frozen=True)
class SweepFreshness:
    """When the SLA sweep (which marks deadlines breached and cases overdue) last ran, and
    whether that is longer ago than SYSTEM_ALERT_BEAT_INTERVALS of its intervals."""

    last_run_at: datetime.datetime | None
    interval: datetime.timedelta | None
    behind: bool


def sla_sweep_freshness(now: datetime.datetime | None = None) -> SweepFreshness:
    """For pages that show overdue figures: one query, nothing written."""
    now = now or timezone.now()
    job = next((job for job in beat_jobs() if job.task == SLA_SWEEP_TASK), None)
    if job is None:  # not scheduled here (a deployment that sweeps otherwise): no warning
        return SweepFreshness(None, None, False)
    last = (
        BeatJobRun.objects.filter(task=SLA_SWEEP_TASK)
        .values_list("last_started_at", flat=True)
        .first()
    )
    return SweepFreshness(last, job.interval, last is None or now - last > _grace(job))
