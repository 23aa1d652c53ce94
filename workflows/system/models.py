"""What the status page and the alerts remember between runs: each beat job's last run and
each alert episode."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BeatJobRun(models.Model):
    """The last run of one periodic task (by Celery task name), written by the worker's
    task_prerun/task_postrun signals (workflows.system.beat)."""

    task = models.CharField(_("task"), max_length=200, unique=True)
    # When the monitor first knew of the job: a job that never ran is late from here on.
    first_seen_at = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_state = models.CharField(_("last state"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")

    def __str__(self):
        return self.task


class SystemAlert(models.Model):
    """One episode of one failing condition (a stale beat job, no worker, ...): opened when
    the condition is first seen failing, mailed to the administrators once (`notified_at`),
    closed (`cleared_at`) when it recovers. At most one open episode per condition."""

    condition = models.CharField(_("condition"), max_length=200)
    since = models.DateTimeField(_("failing since"))
    notified_at = models.DateTimeField(_("administrators told"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("recovered"), null=True, blank=True)
    # The English msgid of the problem and its subject (a job, a channel): translated when shown.
    problem = models.CharField(_("problem"), max_length=200)
    subject = models.CharField(_("subject"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("system alert")
        verbose_name_plural = _("system alerts")
        ordering = ["-since", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["condition"],
                condition=Q(cleared_at__isnull=True),
                name="system_alert_one_open_per_condition",
            )
        ]

    def __str__(self):
        return self.condition
