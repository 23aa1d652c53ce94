"""Business calendars: working days and hours, and closure days per office."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Jurisdiction


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
