"""Approval requests and decisions, office approval rules and supervisor absences."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task

from accounts.models import Office, Team


class ApprovalKind(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment")
    PLAN = "plan", _("Case plan")
    CLOSURE = "closure", _("Closure")
    DECISION = "decision", _("Administrative decision")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for revision")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Approval(models.Model):
    """One request for a supervisor's decision on a submitted record."""

    task = models.OneToOneField(
        Task, on_delete=models.PROTECT, related_name="approval", null=True, blank=True
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.BigIntegerField()
    record_id = models.BigIntegerField(_("submitted record"))
    kind = models.CharField(_("kind"), max_length=20, choices=ApprovalKind.choices)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="approval_requests",
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=12, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approval_decisions",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    auto_approved = models.BooleanField(
        _("approval not required"),
        default=False,
        help_text=_("This office does not require approval for this step."),
    )

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "kind"], name="approval_subject"),
            models.Index(
                fields=["office", "requested_at"],
                name="approval_pending_office",
                condition=models.Q(status="pending"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="pending") | models.Q(decided_at__isnull=False),
                name="approval_decided_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class ApprovalRule(models.Model):
    """Whether an office requires a supervisor's approval for a kind of step, for every case
    type or for one (`category`: a case category's code, as SLA policies scope by it, since
    workflows does not know case_flows' models).

    The most specific row wins: the office's rule for the case's category, then the office's
    rule for any category. With neither, the default applies: assessment, case plan and
    closure need approval.
    """

    office = models.ForeignKey(Office, verbose_name=_("office"), on_delete=models.CASCADE)
    kind = models.CharField(_("step"), max_length=20, choices=ApprovalKind.choices)
    category = models.CharField(
        _("category"), max_length=60, blank=True, help_text=_("Empty: any category.")
    )
    required = models.BooleanField(_("approval required"), default=True)

    class Meta:
        verbose_name = _("approval rule")
        verbose_name_plural = _("approval rules")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "kind", "category"], name="approval_rule_unique"
            )
        ]

    def __str__(self):
        scope = f" ({self.category})" if self.category else ""
        return f"{self.office}{scope}: {self.get_kind_display()}"


class SupervisorAbsence(models.Model):
    """While a supervisor is absent, their approvals go to the deputy, else the office manager."""

    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        on_delete=models.CASCADE,
        related_name="absences",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (inclusive)"))
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deputising",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("supervisor absence")
        verbose_name_plural = _("supervisor absences")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="absence_dates_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.supervisor}: {self.starts_on} – {self.ends_on}"
