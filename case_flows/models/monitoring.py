"""Models behind the manager dashboard: caseload thresholds, the export log and the
summed months of its history figures."""

from django.conf import settings
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Office

from .choices import ExportFormat, SummaryFigure

DEFAULT_CASELOAD_THRESHOLD = 25


class CaseloadThreshold(models.Model):
    """How many open cases a caseworker should carry at most, per office.

    The row with no office is the default for every office without its own row; with no
    rows at all DEFAULT_CASELOAD_THRESHOLD applies.
    """

    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: the default for every office without its own threshold."),
    )
    max_open_cases = models.PositiveSmallIntegerField(
        _("open cases per caseworker"), default=DEFAULT_CASELOAD_THRESHOLD
    )

    class Meta:
        verbose_name = _("caseload threshold")
        verbose_name_plural = _("caseload thresholds")
        constraints = [
            # One row per office and one default row (office empty).
            models.UniqueConstraint(
                Coalesce(F("office"), Value(0)), name="caseload_threshold_one_per_office"
            ),
            models.CheckConstraint(
                condition=models.Q(max_open_cases__gt=0), name="caseload_threshold_positive"
            ),
        ]

    def __str__(self):
        return f"{self.office or _('Default')}: {self.max_open_cases}"


class ExportLog(models.Model):
    """One export of a dashboard list: who, when, what and how many rows (an audit trail)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("exported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("exported at"), default=timezone.now)
    format = models.CharField(_("format"), max_length=8, choices=ExportFormat.choices)
    figure = models.CharField(_("figure"), max_length=40)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    # Set when the last row has been written; empty if the download was interrupted.
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    # Whether the file was an encrypted zip (the password itself is never stored).
    encrypted = models.BooleanField(_("password-protected"), default=False)

    class Meta:
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.user} {self.figure} {self.format} {self.created_at:%Y-%m-%d %H:%M}"


class DashboardMonth(models.Model):
    """A month, or its first days, in one time zone, whose history figures have been summed
    (see case_flows.monitoring.history): from the start of `month` to the start of `until`
    (the first day of the next month for a whole month). Its rows are exact for good: days
    that have ended get no new stopped deadlines or stage changes."""

    zone = models.CharField(_("time zone"), max_length=64)
    month = models.DateField(_("month"))
    until = models.DateField(_("until"))
    summarised_at = models.DateTimeField(_("summarised at"), default=timezone.now)

    class Meta:
        verbose_name = _("summarised month")
        verbose_name_plural = _("summarised months")
        constraints = [
            models.UniqueConstraint(
                fields=["zone", "month", "until"], name="dashboard_month_unique"
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m-%d}..{self.until:%Y-%m-%d} ({self.zone})"


class DashboardMonthRow(models.Model):
    """One sum of a summarised month.

    Deadline compliance: per office (the clock's own) and policy key; `count` on time,
    `late` late. Time in stage: per stage left, for every office together (the figure
    follows the case's current office, which a transfer changes); `count` stage changes,
    `duration` the total time spent in the stage.
    """

    period = models.ForeignKey(DashboardMonth, on_delete=models.CASCADE, related_name="rows")
    figure = models.CharField(max_length=16, choices=SummaryFigure.choices)
    office = models.ForeignKey(
        Office, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=80)
    name = models.CharField(max_length=200, blank=True)
    count = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)
    duration = models.DurationField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["period", "figure"], name="dashboard_month_row_figure")]

    def __str__(self):
        return f"{self.period} {self.figure} {self.key}"
