"""The access log: one row per read of personal data (RODO art. 5(2), 30, 32; Act 843).

Append-only like the timeline: a PostgreSQL trigger refuses UPDATE, and DELETE except by the
retention purge (`case_flows.access_log.purge`), which sets `caseflow.access_purge` for its
own transaction.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Office


class AccessAction(models.TextChoices):
    VIEW_CASE = "view_case", _("Opened a case")
    VIEW_RECORD = "view_record", _("Opened a case record")
    VIEW_PERSON = "view_person", _("Opened a person")
    VIEW_ATTACHMENT = "view_attachment", _("Opened an attachment")
    EXPORT = "export", _("Exported a list")
    SEARCH = "search", _("Searched")
    SUBJECT_ACCESS = "subject_access", _("Produced a subject-access file")
    EMERGENCY = "emergency", _("Emergency access (break the glass)")
    # One row per call of the REST API (api/authentication.py): what = method and path,
    # reason = the credential ("personal token #12", "API client #3").
    API_CALL = "api_call", _("API call")


class AccessEvent(models.Model):
    """Who read what, when, from where, and why when a reason was given."""

    at = models.DateTimeField(_("time"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The reader's office at the time (the data protection officer's page is per office).
    office = models.ForeignKey(
        Office,
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=AccessAction.choices)
    case = models.ForeignKey(
        "case_flows.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        "case_flows.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What was read, when it is not the case or person itself ("assessment", an export's
    # figure, a page of the inbox).
    target = models.CharField(_("what"), max_length=120, blank=True)
    # A search's terms or an export's filters.
    query = models.CharField(_("search terms"), max_length=255, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-at"], name="accessevent_user_time"),
            models.Index(fields=["case", "-at"], name="accessevent_case_time"),
            models.Index(fields=["person", "-at"], name="accessevent_person_time"),
            models.Index(fields=["office", "-at"], name="accessevent_office_time"),
            models.Index(fields=["at"], name="accessevent_time"),
        ]

    def __str__(self):
        return f"{self.get_action_display()} #{self.pk} by {self.user_id}"


class AccessAlert(models.Model):
    """One bulk-read alert sent to the data protection officers: a person opened more cases
    within an hour than ACCESS_ALERT_CASES_PER_HOUR. Unique per person and hour window, so a
    repeated or overlapping run of the alert task tells the officers once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The start of the hour (UTC, on the hour) in which the cases were read.
    window_start = models.DateTimeField(_("hour from"))
    case_count = models.PositiveIntegerField(_("cases opened"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("access alert")
        verbose_name_plural = _("access alerts")
        ordering = ["-window_start", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "window_start"], name="accessalert_one_per_user_hour"
            )
        ]

    def __str__(self):
        return f"{self.user_id} {self.window_start:%Y-%m-%d %H:%M} ({self.case_count})"
