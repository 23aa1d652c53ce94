"""Notifications (what the user sees in the app), the outbox of external deliveries, preferences."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    TASK_ASSIGNED = "task_assigned", _("Task assigned to you")
    TASK_RETURNED = "task_returned", _("Task returned to you for revision")
    APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
    APPROVAL_DECIDED = "approval_decided", _("Approval decided")
    SLA_WARNING = "sla_warning", _("Deadline approaching")
    SLA_BREACH = "sla_breach", _("Deadline missed")
    SLA_ESCALATION = "sla_escalation", _("Escalated to you")
    REFERRAL_ACCEPTED = "referral_accepted", _("Referral accepted")
    REFERRAL_DECLINED = "referral_declined", _("Referral declined")
    REFERRAL_COMPLETED = "referral_completed", _("Referral completed")
    CASE_TRANSFERRED = "case_transferred", _("Case transferred to you")
    TRANSFER_REQUESTED = "transfer_requested", _("Transfer to your office requested")
    TRANSFER_DECLINED = "transfer_declined", _("Your transfer request declined")
    TASKS_HANDED_OVER = "tasks_handed_over", _("A colleague's open tasks handed over to you")
    EMERGENCY_ACCESS = "emergency_access", _("Emergency access to a restricted case")
    DAILY_DIGEST = "daily_digest", _("Daily digest")
    # To data protection officers: one person opened many cases within an hour.
    ACCESS_ALERT = "access_alert", _("Unusual reading of cases")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DIGEST = "digest", _("In the daily digest")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    HELD = "held", _("Held for the daily digest")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    DIGESTED = "digested", _("Included in a digest")


class Notification(models.Model):
    """One event for one recipient: the in-app row. Its text is rendered when it is shown."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.CharField(_("event"), max_length=32, choices=Event.choices)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    case_reference = models.CharField(_("case reference"), max_length=40, blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    params = models.JSONField(_("details"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("caused by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Set by the bulk insert so it can tell its own new rows from rows that already existed
    # (ON CONFLICT DO NOTHING returns no ids).
    write_batch = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell counts unread rows on every page: keep that an index-only lookup.
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notif_unread_by_recipient",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_recent"),
        ]

    def __str__(self):
        return f"{self.get_event_display()} {self.case_reference}".strip()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def digest_items(self) -> list[dict]:
        if self.event != Event.DAILY_DIGEST:
            return []
        return (self.params or {}).get("items", [])

    @property
    def digest_sections(self) -> list[dict]:
        if self.event != Event.DAILY_DIGEST:
            return []
        return (self.params or {}).get("sections", [])


class Delivery(models.Model):
    """The outbox: one external message (e-mail or SMS) for one notification."""

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    digest = models.ForeignKey(
        Notification,
        verbose_name=_("digest"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="digested_deliveries",
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_one_per_channel"
            ),
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="delivery_sent_at_iff_sent",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_pending_due",
            ),
            models.Index(fields=["status"], name="delivery_status"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} #{self.pk}"


class NotificationPreference(models.Model):
    """A user's choice for one event, or an office default when `office` is set instead."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    office = models.ForeignKey(
        "accounts.Office",
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notification_defaults",
    )
    event = models.CharField(_("event"), max_length=32, choices=Event.choices)
    email = models.BooleanField(_("e-mail"), default=True)
    sms = models.BooleanField(_("SMS"), default=False)
    frequency = models.CharField(
        _("when"), max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        ordering = ["office_id", "user_id", "event"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, office__isnull=True)
                | Q(user__isnull=True, office__isnull=False),
                name="notifpref_user_xor_office",
                violation_error_message=_("Choose either a user or an office, not both."),
            ),
            models.UniqueConstraint(
                fields=["user", "event"],
                condition=Q(user__isnull=False),
                name="notifpref_unique_user_event",
                violation_error_message=_("This user already has a setting for this event."),
            ),
            models.UniqueConstraint(
                fields=["office", "event"],
                condition=Q(office__isnull=False),
                name="notifpref_unique_office_event",
                violation_error_message=_("This office already has a default for this event."),
            ),
        ]

    def __str__(self):
        owner = self.user or self.office
        return f"{owner}: {self.get_event_display()}"


class MailboxMessage(models.Model):
    """An e-mail kept by the development mailbox backend instead of being sent.

    Only the mailbox e-mail backend writes here (development, demos); staff read it at
    /dev/mailbox/. Production sends by SMTP and leaves this table empty.
    """

    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True, db_index=True)
    from_email = models.CharField(_("sender"), max_length=254)
    to = models.TextField(_("recipients"))
    subject = models.CharField(_("subject"), max_length=998)
    language = models.CharField(_("language"), max_length=10, blank=True)
    body = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)

    class Meta:
        verbose_name = _("mailbox message")
        verbose_name_plural = _("mailbox messages")
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return self.subject
