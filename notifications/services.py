"""Writes: notifications and their outbox rows, delivery attempts, read marks, preferences."""

import logging
import smtplib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User

from .backends.sms import PermanentDeliveryError, TransientDeliveryError, get_sms_backend
from .dispatch import enqueue_deliveries
from .models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Event,
    Frequency,
    Notification,
    NotificationPreference,
)
from .preferences import ChannelChoice, resolve_choice
from .rendering import email_language, render_email, render_sms

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NotificationRequest:
    recipient_id: int
    event: str  # an Event value
    dedupe_key: str  # globally unique per logical event + recipient
    case_reference: str = ""  # the only case detail allowed in e-mail/SMS
    link: str = ""  # site-relative path; made absolute with settings.SITE_URL outside the app
    params: dict = field(default_factory=dict)  # non-sensitive values for the in-app text
    actor_id: int | None = None


def notify(
    *,
    recipient: User,
    event: str,
    dedupe_key: str,
    case_reference: str = "",
    link: str = "",
    params: dict | None = None,
    actor: User | None = None,
) -> Notification | None:
    """Write one notification and its outbox rows in the caller's transaction.

    Returns None when the dedupe key was already used. Delivery is enqueued after commit.
    """
    created = _notifications_write(
        [
            NotificationRequest(
                recipient_id=recipient.pk,
                event=event,
                dedupe_key=dedupe_key,
                case_reference=case_reference,
                link=link,
                params=params or {},
                actor_id=actor.pk if actor is not None else None,
            )
        ]
    )
    return created[0] if created else None


def notify_bulk(requests: list[NotificationRequest]) -> int:
    """Set-based notify: a constant number of queries per call; returns how many were new."""
    return len(_notifications_write(list(requests)))


def _validate(requests: list[NotificationRequest]) -> list[NotificationRequest]:
    valid_events = set(Event.values)
    unique: dict[str, NotificationRequest] = {}
    for request in requests:
        if request.event not in valid_events:
            raise ValueError(f"Unknown notification event {request.event!r}")
        if not request.dedupe_key:
            raise ValueError("A notification needs a dedupe_key")
        if request.link and (not request.link.startswith("/") or request.link.startswith("//")):
            # Links are followed after a click and put in e-mails: only paths on this site.
            raise ValueError(f"A notification link must be a site-relative path: {request.link!r}")
        unique.setdefault(request.dedupe_key, request)  # the first one wins, as in the table
    return list(unique.values())


def _choices_for(
    requests: list[NotificationRequest],
) -> tuple[Callable[[int, str], ChannelChoice], dict[int, dict]]:
    """Load recipients, their roles and the relevant preferences: three queries in all."""
    recipient_ids = {request.recipient_id for request in requests}
    events = {request.event for request in requests}
    users = {
        row["id"]: row
        for row in User.objects.filter(pk__in=recipient_ids).values(
            "id", "email", "phone", "is_active", "home_office_id"
        )
    }
    roles: dict[int, set[str]] = {}
    for user_id, role in User.groups.through.objects.filter(
        user_id__in=recipient_ids, group__name__in=Role.values
    ).values_list("user_id", "group__name"):
        roles.setdefault(user_id, set()).add(role)
    office_ids = {row["home_office_id"] for row in users.values() if row["home_office_id"]}
    user_prefs, office_prefs = {}, {}
    for pref in NotificationPreference.objects.filter(
        Q(user_id__in=recipient_ids) | Q(office_id__in=office_ids), event__in=events
    ):
        if pref.user_id:
            user_prefs[(pref.user_id, pref.event)] = pref
        else:
            office_prefs[(pref.office_id, pref.event)] = pref

    def choice(user_id: int, event: str) -> ChannelChoice:
        row = users[user_id]
        return resolve_choice(
            event=event,
            role_names=roles.get(user_id, set()),
            user_pref=user_prefs.get((user_id, event)),
            office_pref=office_prefs.get((row["home_office_id"], event)),
        )

    return choice, users


def _notifications_write(requests: list[NotificationRequest]) -> list[Notification]:
    requests = _validate(requests)
    if not requests:
        return []
    with transaction.atomic():
        choice_for, users = _choices_for(requests)
        requests = [request for request in requests if request.recipient_id in users]
        if not requests:
            return []
        batch = uuid.uuid4()
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=request.recipient_id,
                    event=request.event,
                    dedupe_key=request.dedupe_key,
                    case_reference=request.case_reference,
                    link=request.link,
                    params=request.params,
                    actor_id=request.actor_id,
                    write_batch=batch,
                )
                for request in requests
            ],
            ignore_conflicts=True,
        )
        # Rows that already existed keep their own batch id, so this finds only new ones.
        created = list(
            Notification.objects.filter(
                dedupe_key__in=[request.dedupe_key for request in requests], write_batch=batch
            ).order_by("id")
        )
        now = timezone.now()
        deliveries = []
        for notification in created:
            user = users[notification.recipient_id]
            if not user["is_active"]:
                continue
            choice = choice_for(notification.recipient_id, notification.event)
            status = DeliveryStatus.HELD if choice.is_digest else DeliveryStatus.PENDING
            wanted = []
            if choice.email and user["email"]:
                wanted.append(Channel.EMAIL)
            if choice.sms and user["phone"]:
                wanted.append(Channel.SMS)
            deliveries.extend(
                Delivery(
                    notification=notification,
                    channel=channel,
                    status=status,
                    next_attempt_at=now if status == DeliveryStatus.PENDING else None,
                )
                for channel in wanted
            )
        if deliveries:
            Delivery.objects.bulk_create(deliveries)
        pending_ids = [d.pk for d in deliveries if d.status == DeliveryStatus.PENDING]
        if pending_ids:
            transaction.on_commit(lambda: enqueue_deliveries(pending_ids), robust=True)
    return created


# --- delivery -----------------------------------------------------------------------------

SENT, RETRY, FAILED, SKIPPED = "sent", "retry", "failed", "skipped"


def retry_backoff(attempts: int) -> timedelta:
    seconds = settings.NOTIFICATIONS_RETRY_BACKOFF * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.NOTIFICATIONS_RETRY_BACKOFF_MAX))


def _send_email(delivery: Delivery) -> None:
    user = delivery.notification.recipient
    if not user.email:
        raise PermanentDeliveryError("The recipient has no e-mail address.")
    subject, text, html = render_email(delivery.notification, user)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    message.extra_headers["X-Caseflow-Delivery"] = str(delivery.pk)
    message.extra_headers["Content-Language"] = email_language(user)
    try:
        message.send()
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        raise PermanentDeliveryError(f"SMTP refused the message: {exc}") from exc
    except smtplib.SMTPResponseException as exc:
        if 500 <= exc.smtp_code < 600:
            raise PermanentDeliveryError(f"SMTP error {exc.smtp_code}") from exc
        raise TransientDeliveryError(f"SMTP error {exc.smtp_code}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientDeliveryError(f"SMTP unavailable: {exc}") from exc


def _send_sms(delivery: Delivery) -> None:
    user = delivery.notification.recipient
    if not user.phone:
        raise PermanentDeliveryError("The recipient has no mobile phone number.")
    text = render_sms(delivery.notification, user)
    get_sms_backend().send(to=user.phone, text=text, reference=str(delivery.pk))


_SENDERS = {Channel.EMAIL: _send_email, Channel.SMS: _send_sms}


def delivery_attempt(*, delivery_id: int) -> tuple[str, datetime | None]:
    """Send one pending delivery at most once; returns (outcome, next attempt time or None).

    The row stays locked while the message goes out, so a second worker given the same id
    skips it, and a row already sent is never sent again.
    """
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification__recipient__home_office")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None:
            return SKIPPED, None
        fields = ["status", "attempts", "last_error", "next_attempt_at", "sent_at"]
        if not delivery.notification.recipient.is_active:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = "The recipient's account is disabled."
            delivery.save(update_fields=fields)
            return FAILED, None
        try:
            _SENDERS[delivery.channel](delivery)
        except PermanentDeliveryError as exc:
            delivery.attempts += 1
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = str(exc)
            delivery.next_attempt_at = None
            outcome, next_at = FAILED, None
        except Exception as exc:  # transient, or a bug: both count as a failed attempt
            if not isinstance(exc, TransientDeliveryError):
                logger.exception("Unexpected error delivering notification %s", delivery.pk)
            delivery.attempts += 1
            delivery.last_error = f"{type(exc).__name__}: {exc}"
            if delivery.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
                outcome, next_at = FAILED, None
            else:
                delivery.next_attempt_at = timezone.now() + retry_backoff(delivery.attempts)
                outcome, next_at = RETRY, delivery.next_attempt_at
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
            delivery.next_attempt_at = None
            outcome, next_at = SENT, None
        delivery.save(update_fields=fields)
        if outcome == FAILED:
            logger.warning("Delivery %s failed: %s", delivery.pk, delivery.last_error)
        return outcome, next_at


def deliveries_due_claim(*, limit: int = 10_000) -> list[int]:
    """Pending rows whose attempt is overdue by the grace period, pushed back one period.

    Pushing next_attempt_at forward keeps the next sweep from enqueuing them again while
    this dispatch is on its way; rows a worker is sending right now are skipped.
    """
    now = timezone.now()
    grace = timedelta(seconds=settings.NOTIFICATIONS_REDISPATCH_AFTER)
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - grace)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids).update(next_attempt_at=now)
    return ids


def deliveries_retry(*, delivery_ids: list[int], actor: User) -> int:
    """Put failed deliveries back in the outbox (the admin action); returns how many."""
    if not actor.has_perm("notifications.change_delivery"):
        raise PermissionDenied(_("You may not retry deliveries."))
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update()
            .filter(pk__in=delivery_ids, status=DeliveryStatus.FAILED)
            .values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        if ids:
            logger.info("User %s put deliveries %s back in the outbox", actor.pk, ids)
            transaction.on_commit(lambda: enqueue_deliveries(ids), robust=True)
    return len(ids)


# --- reading and preferences -------------------------------------------------------------


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
    office_defaults = {
        pref.event: pref
        for pref in NotificationPreference.objects.filter(
            office_id=user.home_office_id, office__isnull=False
        )
    }
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
