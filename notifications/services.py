"""Writes a user makes about their own notifications: read marks and preferences."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .models import Event, Frequency, Notification, NotificationPreference
from .preferences import ChannelChoice, office_preferences, resolve_choice


def notification_mark_read(*, notification: Notification, actor: User) -> Notification:
    if notification.recipient_id != actor.pk:
        raise PermissionDenied(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preferences_update(*, user: User, actor: User, choices: dict[str, ChannelChoice]) -> None:
    """Save a user's per-event choices; a choice equal to the default stores nothing.

    Keeping only real deviations means a later change of the office or role default
    still reaches everyone who never chose otherwise.
    """
    if actor.pk != user.pk and not actor.is_superuser:
        raise PermissionDenied(_("You can change only your own notification settings."))
    for event, choice in choices.items():
        if event not in Event.values:
            raise ValidationError(_("Unknown notification type."))
        if choice.frequency not in Frequency.values:
            raise ValidationError(_("Choose “immediately” or “in the daily digest”."))
    office_defaults = {pref.event: pref for pref in office_preferences(user.home_office_id)}
    for event, choice in choices.items():
        default = resolve_choice(
            event=event, role_names=user.role_names, office_pref=office_defaults.get(event)
        )
        if resolve_choice(event=event, role_names=(), user_pref=choice) == default:
            NotificationPreference.objects.filter(user=user, event=event).delete()
            continue
        NotificationPreference.objects.update_or_create(
            user=user,
            event=event,
            defaults={"email": choice.email, "sms": choice.sms, "frequency": choice.frequency},
        )
