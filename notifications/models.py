"""Notifications (what the user sees in the app), the outbox of external deliveries, preferences."""

import uuid
from typing import Any

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
    # To administrators: a beat job late, no worker, the outbox stuck (workflows/system).
    SYSTEM_ALERT = "system_alert", _("System problem")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    # An office's registered endpoint (WebhookEndpoint): the row names the endpoint and the
    # WebhookEvent instead of a notification.
    WEBHOOK = "webhook", _("Webhook")


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
    """The outbox: one external message: an e-mail or SMS for one notification, or one
    webhook event for one endpoint. The same retries, backoff, recovery sweep and retry by
    an administrator serve every channel (notifications.delivery)."""

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    webhook_event = models.ForeignKey(
        "WebhookEvent",
        verbose_name=_("webhook event"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    endpoint = models.ForeignKey(
        "WebhookEndpoint",
        verbose_name=_("endpoint"),
        null=True,
        blank=True,
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
    # The last attempt, whatever its outcome (the receiver's HTTP status for a webhook).
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(
        _("last HTTP status"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_one_per_channel"
            ),
            models.UniqueConstraint(
                fields=["webhook_event", "endpoint"], name="delivery_one_per_endpoint"
            ),
            # A webhook row names its event and endpoint and no notification; any other row
            # the reverse.
            models.CheckConstraint(
                condition=Q(
                    channel="webhook",
                    notification__isnull=True,
                    webhook_event__isnull=False,
                    endpoint__isnull=False,
                )
                | (
                    ~Q(channel="webhook")
                    & Q(
                        notification__isnull=False,
                        webhook_event__isnull=True,
                        endpoint__isnull=True,
                    )
                ),
                name="delivery_notification_xor_webhook",
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
            # An endpoint's recent deliveries (its page lists them, newest first).
            models.Index(
                fields=["endpoint", "-created_at"],
                condition=Q(endpoint__isnull=False),
                name="delivery_endpoint_recent",
            ),
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


# --- webhooks (notifications/webhooks.py, docs/webhooks.md) ---------------------------------


class WebhookEventType(models.TextChoices):
    """The catalogue an administrator subscribes an endpoint to (docs/webhooks.md has each
    payload). Never a name, an address or a note: identifiers and codes only."""

    CASE_OPENED = "case_opened", _("Case opened")
    CASE_ASSIGNED = "case_assigned", _("Case assigned to a caseworker")
    STAGE_CHANGED = "stage_changed", _("Stage changed")
    APPROVAL_DECIDED = "approval_decided", _("Approval decided")
    DEADLINE_BREACHED = "deadline_breached", _("Deadline breached")
    REFERRAL_ANSWERED = "referral_answered", _("Referral answered by the provider")
    TRANSFER_COMPLETED = "transfer_completed", _("Transfer between offices completed")
    CASE_CLOSED = "case_closed", _("Case closed")
    # Sent from the endpoint's page to test it; not subscribable.
    PING = "ping", _("Test ping")


SUBSCRIBABLE_EVENTS = [value for value in WebhookEventType.values if value != "ping"]


def subscribable_event_choices() -> list[tuple[str, Any]]:
    return [(value, label) for value, label in WebhookEventType.choices if value != "ping"]


class WebhookEndpoint(models.Model):
    """An address of an office's own system that receives the events it chose, signed with
    the endpoint's secret."""

    office = models.ForeignKey(
        "accounts.Office",
        verbose_name=_("office"),
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    url = models.CharField(_("address (URL)"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    # Kept in the clear: every delivery is signed with it (a hash could not sign). Shown once
    # when made or rotated; never in a page, log or the admin afterwards.
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    # After a rotation, deliveries are signed with both secrets until this time, so the
    # receiver can switch without losing events.
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    secret_rotated_at = models.DateTimeField(_("secret rotated"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["office", "-is_active", "url", "id"]
        indexes = [models.Index(fields=["office", "is_active"], name="webhook_endpoint_office")]

    def __str__(self):
        return self.url

    @property
    def event_labels(self) -> list[str]:
        labels = dict(WebhookEventType.choices)
        return [str(labels[event]) for event in self.events if event in labels]


class WebhookEvent(models.Model):
    """One business event of one office, as its subscribed endpoints receive it: the payload
    is fixed when the change commits. Its `uid` is the payload's "id", the receiver's key
    for de-duplication (the same on every retry)."""

    uid = models.UUIDField(_("event id"), default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey(
        "accounts.Office",
        verbose_name=_("office"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    event = models.CharField(_("event"), max_length=32, choices=WebhookEventType.choices)
    # What caused it, unique: a redelivered sweep or a repeated call writes no second event.
    source_key = models.CharField(_("source"), max_length=120, unique=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    payload = models.JSONField(_("payload"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # As Notification.write_batch: tells the rows one bulk insert really wrote.
    write_batch = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-occurred_at", "-id"]

    def __str__(self):
        return f"{self.event} {self.uid}"
