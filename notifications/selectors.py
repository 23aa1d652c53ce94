"""Reads: the unread count for the bell, a user's notification list, preferences as shown."""

from django.db.models import QuerySet

from accounts.models import User

from .models import Event, MailboxMessage, Notification, NotificationPreference
from .preferences import ChannelChoice, office_preferences, resolve_choice


def unread_count(*, user: User) -> int:
    """One indexed COUNT (notif_unread_by_recipient); the bell runs it on every page."""
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def notifications_for_user(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """A user's own notifications, newest first: nobody lists anyone else's."""
    notifications = Notification.objects.filter(recipient_id=user.pk).select_related("actor")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def effective_preferences(*, user: User) -> list[tuple[str, ChannelChoice, bool]]:
    """(event, effective choice, whether the user chose it) for every event."""
    rows = NotificationPreference.objects.filter(user=user) | office_preferences(
        user.home_office_id
    )
    own: dict[str, NotificationPreference] = {}
    office: dict[str, NotificationPreference] = {}
    for pref in rows:
        (own if pref.user_id else office)[pref.event] = pref
    return [
        (
            event,
            resolve_choice(
                event=event,
                role_names=user.role_names,
                user_pref=own.get(event),
                office_pref=office.get(event),
            ),
            event in own,
        )
        for event in Event.values
    ]


def mailbox_messages() -> QuerySet[MailboxMessage]:
    """The development mailbox, newest first (staff pages only)."""
    return MailboxMessage.objects.order_by("-sent_at", "-id")
