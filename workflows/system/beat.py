"""Each beat job's last run, recorded by the worker that runs it (task_prerun/task_postrun,
keyed by task name), and the interval each job is expected to run at."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from celery import current_app
from celery.schedules import crontab, schedule
from celery.signals import task_postrun, task_prerun
from django.utils import timezone

from .models import BeatJobRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BeatJob:
    entry: str  # the beat_schedule key
    task: str
    interval: datetime.timedelta  # how often it is expected to run (on average, for crontab)


def expected_interval(job_schedule) -> datetime.timedelta:
    """A plain interval as is; a crontab as one day (or week, or month) over its number of
    runs in it: crontab(minute=5) is hourly, crontab(minute="*/10") every 10 minutes."""
    if isinstance(job_schedule, int | float):
        return datetime.timedelta(seconds=float(job_schedule))
    if isinstance(job_schedule, datetime.timedelta):
        return job_schedule
    if isinstance(job_schedule, crontab):
        runs_per_day = len(job_schedule.hour) * len(job_schedule.minute)
        days = 1.0
        if len(job_schedule.day_of_week) < 7:
            days = 7.0 / len(job_schedule.day_of_week)
        if len(job_schedule.day_of_month) < 31 or len(job_schedule.month_of_year) < 12:
            days = max(days, 31.0 / len(job_schedule.day_of_month)) * (
                12.0 / len(job_schedule.month_of_year)
            )
        return datetime.timedelta(days=days) / runs_per_day
    if isinstance(job_schedule, schedule):
        return job_schedule.run_every
    return datetime.timedelta(days=1)  # a solar or custom schedule: a generous guess


def beat_jobs() -> list[BeatJob]:
    """The beat schedule of config/celery.py, in its order."""
    return [
        BeatJob(entry=name, task=entry["task"], interval=expected_interval(entry["schedule"]))
        for name, entry in (current_app.conf.beat_schedule or {}).items()
    ]


def beat_task_names() -> frozenset[str]:
    """Read on every task run by the signals below: no schedule arithmetic here."""
    return frozenset(entry["task"] for entry in (current_app.conf.beat_schedule or {}).values())


def beat_run_record(*, task: str, started: bool, state: str = "") -> None:
    """Upsert the task's row: one query (INSERT ... ON CONFLICT UPDATE)."""
    now = timezone.now()
    fields = {"last_started_at": now} if started else {"last_finished_at": now, "last_state": state}
    BeatJobRun.objects.bulk_create(
        [BeatJobRun(task=task, first_seen_at=now, **fields)],
        update_conflicts=True,
        unique_fields=["task"],
        update_fields=list(fields),
    )


@task_prerun.connect(dispatch_uid="workflows-system-beat-started")
def _beat_job_started(sender=None, **kwargs) -> None:
    name = getattr(sender, "name", "")
    if name in beat_task_names():
        _safely(task=name, started=True)


@task_postrun.connect(dispatch_uid="workflows-system-beat-finished")
def _beat_job_finished(sender=None, state=None, **kwargs) -> None:
    name = getattr(sender, "name", "")
    if name in beat_task_names():
        _safely(task=name, started=False, state=str(state or ""))


def _safely(**kwargs) -> None:
    """The record is for the status page: its failure never fails the job itself."""
    try:
        beat_run_record(**kwargs)
    except Exception:
        logger.warning("could not record the run of %s", kwargs.get("task"), exc_info=True)
