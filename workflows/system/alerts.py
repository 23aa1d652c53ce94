"""Alerts to the administrators when the system is unwell: a beat job late, no Celery worker,
the SLA sweep behind, the outbox stuck or failing, the attachments' disk nearly full.

Each failing condition is one open SystemAlert episode: opened when first seen failing, the
administrators e-mailed once (through the outbox) when it has failed for its grace period,
closed when it recovers; the next failure is a new episode and a new e-mail. Run every
minute by beat (workflows.tasks.raise_system_alerts); safe to run twice or at once on two
workers: at most one open episode per condition (a partial unique constraint), the e-mail
is sent by whoever sets `notified_at` first, and its dedupe key names the episode."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Role, User
from notifications.delivery import SENT, delivery_attempt
from notifications.models import Delivery, DeliveryStatus, Event
from notifications.outbox import notify

from . import status
from .models import SystemAlert

# Stored as English msgids (SystemAlert.problem), translated for whoever reads them.
BEAT_LATE = gettext_noop("The periodic job “%(subject)s” has not run for over two intervals.")
NO_WORKER = gettext_noop("No Celery worker answers.")
SLA_LAG = gettext_noop("The SLA sweep is behind: escalations due since %(subject)s are not taken.")
OUTBOX_PENDING = gettext_noop("Deliveries by %(subject)s wait too long to be sent.")
OUTBOX_FAILED = gettext_noop("Too many deliveries by %(subject)s have failed.")
DISK_LOW = gettext_noop("Little disk space is left for attachments (%(subject)s free).")


@dataclass(frozen=True)
class Condition:
    key: str  # one per thing that can fail: "beat:<task>", "outbox_failed:email", ...
    problem: str
    subject: str = ""
    # How long it must keep failing before the administrators are told.
    grace: datetime.timedelta = datetime.timedelta(0)


def alert_text(alert: SystemAlert) -> str:
    """The problem in the active language."""
    return _(alert.problem) % {"subject": alert.subject}


def failing_conditions(*, now: datetime.datetime, worker_hostname: str = "") -> list[Condition]:
    """What fails now. `worker_hostname`: the worker running this check (it is alive, even
    when too busy to answer the broadcast)."""
    failing = [
        Condition(f"beat:{job.task}", BEAT_LATE, job.entry)
        for job in status.beat_status(now)
        if job.late
    ]
    workers = status.workers_seen()
    if not workers and not worker_hostname:
        failing.append(
            Condition(
                "workers",
                NO_WORKER,
                grace=datetime.timedelta(minutes=settings.SYSTEM_ALERT_NO_WORKER_MINUTES),
            )
        )
    oldest_due = status.sla_oldest_due(now)
    lag_limit = datetime.timedelta(minutes=settings.SYSTEM_ALERT_SLA_LAG_MINUTES)
    if oldest_due is not None and now - oldest_due > lag_limit:
        failing.append(Condition("sla_lag", SLA_LAG, oldest_due.strftime("%Y-%m-%d %H:%M UTC")))
    pending_limit = datetime.timedelta(minutes=settings.SYSTEM_ALERT_OUTBOX_PENDING_MINUTES)
    for row in status.outbox_backlog():
        if row.oldest_pending_at is not None and now - row.oldest_pending_at > pending_limit:
            failing.append(Condition(f"outbox_pending:{row.channel}", OUTBOX_PENDING, row.channel))
        if row.failed > settings.SYSTEM_ALERT_OUTBOX_FAILED:
            failing.append(Condition(f"outbox_failed:{row.channel}", OUTBOX_FAILED, row.channel))
    disk = status.attachments_disk()
    if disk is not None and disk.free_percent < settings.SYSTEM_ALERT_DISK_FREE_PERCENT:
        failing.append(Condition("disk", DISK_LOW, f"{disk.free_percent:.1f}%"))
    return failing


def administrators() -> list[int]:
    """Who is told: active superusers and administrators (those who see the status page)."""
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=Role.ADMINISTRATOR))
        .values_list("pk", flat=True)
        .distinct()
        .order_by("pk")
    )


@dataclass(frozen=True)
class AlertRun:
    opened: int
    notified: int
    cleared: int


def system_alerts_raise(
    *, now: datetime.datetime | None = None, worker_hostname: str = ""
) -> AlertRun:
    now = now or timezone.now()
    failing = failing_conditions(now=now, worker_hostname=worker_hostname)
    failing_keys = {condition.key for condition in failing}
    opened = notified = 0
    with transaction.atomic():
        SystemAlert.objects.bulk_create(
            [
                SystemAlert(
                    condition=condition.key,
                    since=now,
                    problem=condition.problem,
                    subject=condition.subject,
                )
                for condition in failing
            ],
            ignore_conflicts=True,  # already open: the episode goes on
        )
        open_alerts = {
            alert.condition: alert for alert in SystemAlert.objects.filter(cleared_at__isnull=True)
        }
        opened = sum(1 for alert in open_alerts.values() if alert.since == now)
        cleared = (
            SystemAlert.objects.filter(cleared_at__isnull=True)
            .exclude(condition__in=failing_keys)
            .update(cleared_at=now)
        )
        recipients: list[int] | None = None
        for condition in failing:
            alert = open_alerts.get(condition.key)
            if (
                alert is None
                or alert.notified_at is not None
                or now - alert.since < condition.grace
            ):
                continue
            # Whoever sets notified_at tells the administrators; a concurrent run does not.
            if not SystemAlert.objects.filter(pk=alert.pk, notified_at__isnull=True).update(
                notified_at=now
            ):
                continue
            if recipients is None:
                recipients = administrators()
            for user_id in recipients:
                notify(
                    recipient_id=user_id,
                    event=Event.SYSTEM_ALERT,
                    dedupe_key=f"system_alert:{alert.pk}:{user_id}",
                    link=reverse("system_status"),
                    params={"problem": alert.problem, "subject": alert.subject},
                )
            notified += 1
    return AlertRun(opened=opened, notified=notified, cleared=cleared)


def system_alert_emails_send() -> int:
    """Send the pending alert e-mails here and now, without a worker: the watchdog's part
    (`manage.py system_alerts`) when Celery itself is what failed. Each delivery is sent at
    most once: a worker that later takes the same id finds it sent and skips it."""
    pending = Delivery.objects.filter(
        status=DeliveryStatus.PENDING, notification__event=Event.SYSTEM_ALERT
    ).values_list("pk", flat=True)
    return sum(1 for pk in list(pending) if delivery_attempt(delivery_id=pk)[0] == SENT)
