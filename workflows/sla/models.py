"""SLA policies, business calendars, clocks, pauses and escalation steps."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Jurisdiction

from .units import (
    STATUTORY_EXCLUDABLE_REASONS,
    ClockKind,
    ClockStatus,
    LadderAnchor,
    LadderRole,
    PauseReason,
    PolicyStatus,
    RiskLevel,
    TargetUnit,
    policy_display_name,
    target_text,
)


def default_ladder() -> list[dict]:
    """Warning to the assignee; breach to assignee and supervisor; +2 WD to managers."""
    return [
        {
            "key": "warning",
            "anchor": LadderAnchor.WARNING.value,
            "offset": 0,
            "offset_unit": TargetUnit.HOURS.value,
            "roles": [LadderRole.ASSIGNEE.value],
            "priority": 10,
        },
        {
            "key": "breach",
            "anchor": LadderAnchor.DUE.value,
            "offset": 0,
            "offset_unit": TargetUnit.HOURS.value,
            "roles": [LadderRole.ASSIGNEE.value, LadderRole.SUPERVISOR.value],
            "priority": 20,
        },
        {
            "key": "manager",
            "anchor": LadderAnchor.DUE.value,
            "offset": 2,
            "offset_unit": TargetUnit.WORKING_DAYS.value,
            "roles": [LadderRole.MANAGER.value],
            "priority": 30,
        },
    ]


def validate_ladder(value) -> None:
    if not isinstance(value, list):
        raise ValidationError(_("The escalation ladder must be a list of steps."))
    roles, anchors, units = set(LadderRole.values), set(LadderAnchor.values), set(TargetUnit.values)
    for step in value:
        if (
            not isinstance(step, dict)
            or step.get("anchor") not in anchors
            or step.get("offset_unit", TargetUnit.HOURS) not in units
            or not isinstance(step.get("offset", 0), int)
            or step.get("offset", 0) < 0
            or not isinstance(step.get("roles", []), list)
            or not set(step.get("roles", [])) <= roles
        ):
            raise ValidationError(
                _(
                    "Each step needs an anchor (warning or due), a non-negative whole offset "
                    "with a unit, and roles among assignee, supervisor and manager."
                )
            )


def validate_pause_reasons(value) -> None:
    if not isinstance(value, list) or not set(value) <= set(PauseReason.values):
        raise ValidationError(_("Unknown pause reason."))


class SlaPolicy(models.Model):
    """One version of a timing rule. Versions a clock points at are never edited."""

    key = models.SlugField(
        _("policy key"),
        max_length=80,
        help_text=_("Stable identifier shared by every version of this policy."),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    name = models.CharField(_("name"), max_length=200)
    order = models.IntegerField(
        _("order"), default=100, help_text=_("Policies are tried in this order; first match wins.")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    # scope
    jurisdiction = models.CharField(
        _("jurisdiction"), max_length=2, choices=Jurisdiction.choices, blank=True
    )
    office = models.ForeignKey(
        "accounts.Office",
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    category = models.CharField(
        _("category"), max_length=60, blank=True, help_text=_("Empty: any category.")
    )
    risk = models.CharField(
        _("risk level"),
        max_length=12,
        choices=RiskLevel.choices,
        blank=True,
        help_text=_("Empty: any risk level."),
    )
    # what it times
    kind = models.CharField(_("kind"), max_length=12, choices=ClockKind.choices)
    node_name = models.CharField(
        _("task or stage name"),
        max_length=80,
        blank=True,
        help_text=_("Flow node or stage name, e.g. assess. Empty: any."),
    )
    target_amount = models.PositiveIntegerField(_("target"))
    target_unit = models.CharField(_("unit"), max_length=16, choices=TargetUnit.choices)
    warn_percent = models.PositiveSmallIntegerField(_("warning at (percent of target)"), default=75)
    ladder = models.JSONField(
        _("escalation ladder"), default=default_ladder, validators=[validate_ladder]
    )
    statutory = models.BooleanField(
        _("statutory"),
        default=False,
        help_text=_("Set by law: may be paused only for periods the statute itself excludes."),
    )
    pausable = models.BooleanField(_("may be paused"), default=False)
    pause_reasons = models.JSONField(
        _("allowed pause reasons"), default=list, blank=True, validators=[validate_pause_reasons]
    )
    citation = models.TextField(_("legal or policy citation"), blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    in_use = models.BooleanField(
        _("in use"),
        default=False,
        editable=False,
        help_text=_("A clock has used this version: editing its timing makes a new version."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    # Editing one of these on a version some clock uses makes a new version.
    TIMING_FIELDS = frozenset(
        {
            "jurisdiction",
            "office",
            "category",
            "risk",
            "kind",
            "node_name",
            "target_amount",
            "target_unit",
            "warn_percent",
            "ladder",
            "statutory",
            "pausable",
            "pause_reasons",
            "effective_from",
            "effective_to",
            "citation",
        }
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="sla_policy_key_version"),
            models.UniqueConstraint(
                fields=["key"], condition=Q(is_current=True), name="sla_policy_one_current"
            ),
            models.CheckConstraint(
                condition=Q(target_amount__gt=0), name="sla_policy_target_positive"
            ),
            models.CheckConstraint(
                condition=Q(warn_percent__gt=0, warn_percent__lte=100),
                name="sla_policy_warn_percent_range",
            ),
        ]
        indexes = [models.Index(fields=["kind", "is_current", "order"])]

    def __str__(self):
        return f"{self.name} (v{self.version})"

    @property
    def display_name(self) -> str:
        return policy_display_name(self.name)

    @property
    def display_citation(self) -> str:
        return policy_display_name(self.citation)

    @property
    def target_text(self) -> str:
        return target_text(self.target_amount, self.target_unit)

    @property
    def is_unverified(self) -> bool:
        return self.status == PolicyStatus.DRAFT

    def clean(self):
        super().clean()
        if self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": _("The end date is before the start date.")})
        reasons = set(self.pause_reasons or [])
        if reasons and not self.pausable:
            raise ValidationError(
                {"pause_reasons": _("List pause reasons only for a policy that may be paused.")}
            )
        if self.statutory and not reasons <= STATUTORY_EXCLUDABLE_REASONS:
            raise ValidationError(
                {
                    "pause_reasons": _(
                        "A statutory deadline may be paused only for a suspension of the "
                        "proceedings or a delay caused by the client."
                    )
                }
            )

    def allows_pause(self, reason: str) -> bool:
        return bool(self.pausable and reason in (self.pause_reasons or []))

    def allowed_pause_choices(self) -> list[tuple[str, str]]:
        if not self.pausable:
            return []
        allowed = set(self.pause_reasons or [])
        return [(value, label) for value, label in PauseReason.choices if value in allowed]


class SlaCalendar(models.Model):
    """Working-day settings for a jurisdiction, or an override for one office."""

    jurisdiction = models.CharField(_("jurisdiction"), max_length=2, choices=Jurisdiction.choices)
    office = models.OneToOneField(
        "accounts.Office",
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: the default for the whole jurisdiction."),
    )
    weekend_days = models.JSONField(
        _("weekend days"),
        default=list,
        blank=True,
        help_text=_("Weekday numbers, Monday = 0. Empty: Saturday and Sunday."),
    )
    public_holidays = models.BooleanField(_("observe public holidays"), default=True)
    holiday_country = models.CharField(
        _("holiday country code"),
        max_length=8,
        blank=True,
        help_text=_("Empty: the jurisdiction's country."),
    )
    kpa_art57 = models.BooleanField(
        _("KPA art. 57 counting"),
        default=False,
        help_text=_(
            "A calendar-day or month deadline ending on a Saturday, Sunday or public holiday "
            "moves to the next working day."
        ),
    )

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction"],
                condition=Q(office__isnull=True),
                name="sla_calendar_one_per_jurisdiction",
            )
        ]

    def __str__(self):
        if self.office_id:
            return str(self.office)
        return self.get_jurisdiction_display()


class SlaClosureDay(models.Model):
    """A day an office is closed (not a working day) on top of weekends and holidays."""

    office = models.ForeignKey(
        "accounts.Office",
        verbose_name=_("office"),
        on_delete=models.CASCADE,
        related_name="sla_closure_days",
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("office closure day")
        verbose_name_plural = _("office closure days")
        ordering = ["office", "date"]
        constraints = [
            models.UniqueConstraint(fields=["office", "date"], name="sla_closure_unique_day")
        ]

    def __str__(self):
        return f"{self.office} {self.date}"


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
