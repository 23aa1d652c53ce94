"""The records each stage adds to a case: intake, assessment, plan, follow-up, closure."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ClosureReason, ContactMode, IntakeSource, Risk, Safety


class ConfiguredAnswers(models.Model):
    """The answers to a stage's configured form, and the form version they were written with
    (validated against that version's JSON Schema by case_flows/formdefs)."""

    form_version = models.ForeignKey(
        "case_flows.FormVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("form version"),
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)

    class Meta:
        abstract = True


class StageRecord(models.Model):
    # The case by name: its stage conditions read these records (cases imports this module).
    case = models.ForeignKey("case_flows.Case", on_delete=models.PROTECT, related_name="+")
    episode = models.PositiveSmallIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class Intake(ConfiguredAnswers):
    case = models.OneToOneField("case_flows.Case", on_delete=models.PROTECT, related_name="intake")
    source = models.CharField(_("source"), max_length=20, choices=IntakeSource.choices)
    presenting_concerns = models.TextField(_("presenting concerns"))
    immediate_safety = models.CharField(
        _("immediate safety"), max_length=20, choices=Safety.choices, blank=True
    )
    consent_to_share = models.BooleanField(_("consent to share information"), null=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")

    def __str__(self):
        return f"{self._meta.verbose_name} (case {self.case_id})"

    @property
    def is_complete(self) -> bool:
        return bool(
            self.source
            and self.presenting_concerns.strip()
            and self.immediate_safety
            and self.consent_to_share is not None
        )


class Assessment(StageRecord, ConfiguredAnswers):
    needs = models.JSONField(_("needs by domain"), default=dict)
    needs_notes = models.TextField(_("notes on needs"), blank=True)
    strengths = models.TextField(_("strengths"))
    risk_decided = models.CharField(_("risk level decided"), max_length=10, choices=Risk.choices)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")

    def __str__(self):
        return f"{self._meta.verbose_name} #{self.pk} (case {self.case_id})"


class CasePlan(StageRecord, ConfiguredAnswers):
    summary = models.TextField(_("summary"), blank=True)
    no_referral_needed = models.BooleanField(
        _("no referral needed"),
        default=False,
        help_text=_("Services are provided by this office; no referral is needed."),
    )

    class Meta:
        verbose_name = _("case plan")
        verbose_name_plural = _("case plans")

    def __str__(self):
        return f"{self._meta.verbose_name} #{self.pk} (case {self.case_id})"


class PlanGoal(models.Model):
    plan = models.ForeignKey(CasePlan, on_delete=models.CASCADE, related_name="goals")
    description = models.CharField(_("goal"), max_length=255)

    def __str__(self):
        return self.description


class PlanAction(models.Model):
    plan = models.ForeignKey(CasePlan, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("action"), max_length=255)
    responsible = models.CharField(_("responsible party"), max_length=120)
    target_date = models.DateField(_("target date"))

    def __str__(self):
        return self.description


class FollowUp(StageRecord, ConfiguredAnswers):
    date = models.DateField(_("date"))
    mode = models.CharField(_("how"), max_length=10, choices=ContactMode.choices)
    notes = models.TextField(_("notes"))
    progress = models.JSONField(_("progress against goals"), default=dict, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self):
        return f"{self._meta.verbose_name} {self.date} (case {self.case_id})"


class Closure(StageRecord, ConfiguredAnswers):
    reason = models.CharField(_("reason"), max_length=20, choices=ClosureReason.choices)
    summary = models.TextField(_("summary"))

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")

    def __str__(self):
        return f"{self._meta.verbose_name} #{self.pk} (case {self.case_id})"
