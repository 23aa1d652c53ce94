"""SLA policies: the target, the unit, the calendar rule and the escalation ladder."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Jurisdiction

from ..units import (
    STATUTORY_EXCLUDABLE_REASONS,
    ClockKind,
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
        return [(value, str(label)) for value, label in PauseReason.choices if value in allowed]
