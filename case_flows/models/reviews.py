"""Follow-up schedules and periodic supervisor reviews of open cases."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.sla.units import target_text

from .cases import Case
from .choices import IntervalUnit, ReviewOutcome, Risk


class FollowUpSchedulePolicy(models.Model):
    """How often a case at each risk level is followed up; kept in step with the SLA
    policies of the follow_up task (see case_flows.schedules)."""

    risk = models.CharField(_("risk level"), max_length=10, choices=Risk.choices, unique=True)
    interval = models.PositiveSmallIntegerField(_("interval"))
    unit = models.CharField(_("unit"), max_length=16, choices=IntervalUnit.choices)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("follow-up schedule")
        verbose_name_plural = _("follow-up schedules")
        constraints = [
            models.CheckConstraint(condition=models.Q(interval__gt=0), name="followup_interval_pos")
        ]

    def __str__(self):
        return f"{self.get_risk_display()}: {target_text(self.interval, self.unit)}"


class CaseReview(models.Model):
    """One periodic supervisor review of an open case; one per case and period."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reviews")
    period = models.DateField(_("period"), help_text=_("First day of the month it fell due."))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=ReviewOutcome.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        verbose_name = _("case review")
        verbose_name_plural = _("case reviews")
        constraints = [
            models.UniqueConstraint(fields=["case", "period"], name="case_review_once_per_period")
        ]
        indexes = [models.Index(fields=["case", "-created_at"], name="casereview_case_time")]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.period:%Y-%m} (case {self.case_id})"
