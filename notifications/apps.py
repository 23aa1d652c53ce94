from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    # Granted by accounts.roles after migrate: administrators run the outbox, set office
    # defaults and register their office's webhooks; everyone else works through their own
    # pages.
    role_permissions = {
        "administrator": [
            "notifications.view_notification",
            "notifications.view_delivery",
            "notifications.change_delivery",
            "notifications.view_notificationpreference",
            "notifications.add_notificationpreference",
            "notifications.change_notificationpreference",
            "notifications.delete_notificationpreference",
            # The office's webhook endpoints (Staff -> Webhooks, docs/webhooks.md).
            "notifications.view_webhookendpoint",
            "notifications.add_webhookendpoint",
            "notifications.change_webhookendpoint",
        ],
    }
