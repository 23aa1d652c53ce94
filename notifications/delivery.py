"""Sending: one delivery row at a time, at most once, with retries and backoff; the recovery
sweep's claim of rows still pending; the administrator's retry of failed rows."""

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .backends.sms import PermanentDeliveryError, TransientDeliveryError, get_sms_backend
from .dispatch import enqueue_deliveries
from .models import Channel, Delivery, DeliveryStatus
from .rendering import email_language, render_email, render_sms

logger = logging.getLogger(__name__)


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


_SENDERS: dict[str, Callable[[Delivery], None]] = {
    Channel.EMAIL: _send_email,
    Channel.SMS: _send_sms,
}


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
