"""Deadline clocks, their pauses and the escalation steps the sweep takes."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..units import (
    ClockKind,
    ClockStatus,
    PauseReason,
)
from .policies import SlaPolicy


class SlaClock(models.Model):
    """One timed thing (a task, an unclaimed task, a stage) of one subject."""

    # Every index on this table is paid for on each row the sweep escalates (the update of
    # next_step_at is never HOT), so only subject, task and the sweep's own are indexed.
    subject_type = models.ForeignKey(
        ContentType,
        verbose_name=_("subject type"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    subject_id = models.PositiveBigIntegerField(_("subject id"))
    subject = GenericForeignKey("subject_type", "subject_id")
    task = models.ForeignKey(
        "viewflow.Task",
        verbose_name=_("task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sla_clocks",
    )
    office = models.ForeignKey(
        "accounts.Office",
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sla_clocks",
        db_index=False,
    )
    risk = models.CharField(_("risk level"), max_length=12, blank=True)
    category = models.CharField(_("category"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=ClockKind.choices)
    name = models.CharField(_("name"), max_length=80)
    # not indexed (the sweep updates every clock row it escalates; each index costs);
    # "is this version in use" is answered by SlaPolicy.in_use instead
    policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("policy"),
        on_delete=models.PROTECT,
        related_name="clocks",
        db_index=False,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ClockStatus.choices, default=ClockStatus.RUNNING
    )
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    warn_at = models.DateTimeField(_("warning at"))
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    breached = models.BooleanField(_("breached"), default=False)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    escalation_level = models.IntegerField(
        _("highest escalation step reached"),
        default=-1,
        help_text=_("Index in the policy's ladder; -1 before the first step."),
    )
    next_step = models.IntegerField(_("next escalation step"), null=True, blank=True)
    next_step_at = models.DateTimeField(_("next escalation at"), null=True, blank=True)
    priority = models.IntegerField(_("priority"), default=0)
    paused_total = models.DurationField(_("time paused"), default=timedelta(0))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="sla_clock_subject"),
            models.Index(
                fields=["next_step_at"],
                name="sla_clock_sweep",
                condition=Q(status="running", next_step_at__isnull=False),
            ),
            # Compliance reports read stopped (met) clocks by office and stop time. Partial:
            # a running clock is not in it, so the sweep's updates never touch this index.
            # Covering (PostgreSQL), so compliance is an index-only scan; by office, and by
            # time for the national view.
            models.Index(
                fields=["office", "stopped_at"],
                name="sla_clock_met_office",
                condition=Q(status="met"),
                include=["policy", "breached", "team", "risk", "category", "subject_type"],
            ),
            # The few breached running task deadlines: the dashboard's overdue tasks, by
            # office (the sweep updates these rows, so the index stays small on purpose).
            models.Index(
                fields=["office", "task"],
                name="sla_clock_breached_task",
                condition=Q(kind="task", status="running", breached=True),
                include=["subject_id", "subject_type"],
            ),
            models.Index(
                fields=["stopped_at"],
                name="sla_clock_met_time",
                condition=Q(status="met"),
                include=["office", "policy", "breached", "subject_type"],
            ),
        ]

    def __str__(self):
        return f"{self.kind}:{self.name} #{self.subject_id}"

    @property
    def is_open(self) -> bool:
        return self.status in (ClockStatus.RUNNING, ClockStatus.PAUSED)


class SlaPause(models.Model):
    clock = models.ForeignKey(
        SlaClock, verbose_name=_("clock"), on_delete=models.CASCADE, related_name="pauses"
    )
    reason = models.CharField(_("reason"), max_length=40, choices=PauseReason.choices)
    comment = models.TextField(_("comment"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paused by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resumed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField(_("paused at"))
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA pause")
        verbose_name_plural = _("SLA pauses")
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clock"], condition=Q(ended_at__isnull=True), name="sla_pause_one_open"
            )
        ]

    def __str__(self):
        return f"{self.clock_id} {self.reason}"


class SlaEscalation(models.Model):
    """One step of the ladder reached by one clock; (clock, step) is unique."""

    # indexed through the unique (clock, step) constraint
    clock = models.ForeignKey(
        SlaClock,
        verbose_name=_("clock"),
        on_delete=models.CASCADE,
        related_name="escalations",
        db_index=False,
    )
    step = models.PositiveSmallIntegerField(_("step"))
    key = models.CharField(_("step name"), max_length=40)
    breach = models.BooleanField(_("breach"), default=False)
    roles = models.JSONField(_("recipient roles"), default=list)
    recipient_ids = models.JSONField(_("recipients"), default=list)
    scheduled_at = models.DateTimeField(_("scheduled for"))
    created_at = models.DateTimeField(_("escalated at"))
    # The sweep batch that inserted the row: lets a batch find the rows it really inserted
    # after INSERT ... ON CONFLICT DO NOTHING, on any database.
    batch = models.UUIDField(editable=False)

    class Meta:
        verbose_name = _("SLA escalation")
        verbose_name_plural = _("SLA escalations")
        ordering = ["clock", "step"]
        constraints = [
            models.UniqueConstraint(fields=["clock", "step"], name="sla_escalation_once")
        ]

    def __str__(self):
        return f"{self.clock_id} step {self.step} ({self.key})"
