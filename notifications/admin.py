"""Admin: the outbox (failed rows and their retry), notifications, office default preferences."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import delivery
from .models import Delivery, Notification, NotificationPreference, WebhookEndpoint, WebhookEvent


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "channel",
        "status",
        "recipient",
        "event",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
    ]
    list_filter = ["status", "channel", "notification__event", "webhook_event__event"]
    search_fields = ["notification__recipient__username", "notification__case_reference"]
    list_select_related = ["notification__recipient", "endpoint", "webhook_event"]
    date_hierarchy = "created_at"
    actions = ["retry_deliveries"]
    # The outbox is written by services only; the admin reads it and retries failed rows.
    readonly_fields = [
        "notification",
        "webhook_event",
        "endpoint",
        "channel",
        "status",
        "attempts",
        "last_error",
        "next_attempt_at",
        "created_at",
        "sent_at",
        "digest",
        "last_attempt_at",
        "last_status_code",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("recipient"))
    def recipient(self, obj):
        return obj.endpoint if obj.notification is None else obj.notification.recipient

    @admin.display(description=_("event"))
    def event(self, obj):
        if obj.notification is None:
            return obj.webhook_event.get_event_display()
        return obj.notification.get_event_display()

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return obj.last_error[:80]

    @admin.action(description=_("Retry the selected failed deliveries"), permissions=["change"])
    def retry_deliveries(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True))
        count = delivery.deliveries_retry(delivery_ids=selected, actor=request.user)
        if count:
            self.message_user(
                request,
                _("Deliveries put back in the outbox: %(count)d.") % {"count": count},
                messages.SUCCESS,
            )
        if count < len(selected):
            self.message_user(
                request, _("Only failed deliveries can be retried."), messages.WARNING
            )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "recipient", "event", "case_reference", "created_at", "read_at"]
    list_filter = ["event"]
    search_fields = ["recipient__username", "case_reference", "dedupe_key"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    """Administrators set office defaults here (leave the user empty)."""

    list_display = ["office", "user", "event", "email", "sms", "frequency"]
    list_filter = ["office", "event", "frequency"]
    list_select_related = ["office", "user"]
    raw_id_fields = ["user"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Read-only here: offices register and change endpoints at Staff -> Webhooks (which
    checks the address and shows the secret once). The secret is never shown."""

    list_display = ["id", "office", "url", "is_active", "created_at"]
    list_filter = ["office", "is_active"]
    list_select_related = ["office"]
    fields = readonly_fields = (
        "office",
        "url",
        "description",
        "events",
        "is_active",
        "secret_rotated_at",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["id", "event", "office", "occurred_at", "uid"]
    list_filter = ["event", "office"]
    list_select_related = ["office"]
    search_fields = ["=uid", "source_key"]
    date_hierarchy = "occurred_at"
    readonly_fields = [
        "uid",
        "office",
        "event",
        "source_key",
        "occurred_at",
        "payload",
        "created_at",
    ]
    exclude = ["write_batch"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
