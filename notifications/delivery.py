"""Sending: one delivery row at a time, at most once, with retries and backoff; the recovery
sweep's claim of rows still pending; the administrator's retry of failed rows. E-mail, SMS
and webhooks alike: a webhook is one more channel of the same outbox."""

import json
import logging
import smtplib
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from config.observability.metrics import OUTBOX_DELIVERIES

from .backends import webhook
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
    assert delivery.notification is not None
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
    assert delivery.notification is not None
    user = delivery.notification.recipient
    if not user.phone:
        raise PermanentDeliveryError("The recipient has no mobile phone number.")
    text = render_sms(delivery.notification, user)
    get_sms_backend().send(to=user.phone, text=text, reference=str(delivery.pk))


def webhook_body(payload: dict) -> bytes:
    """The bytes sent and signed: compact JSON, keys in a fixed order."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def webhook_secrets(endpoint, *, now) -> list[str]:
    """The secrets a delivery is signed with: the current one, and the previous one while a
    rotation's overlap lasts."""
    secrets = [endpoint.secret]
    until = endpoint.previous_secret_until
    if endpoint.previous_secret and until is not None and until > now:
        secrets.append(endpoint.previous_secret)
    return secrets


def _send_webhook(delivery: Delivery) -> int:
    endpoint, event = delivery.endpoint, delivery.webhook_event
    assert endpoint is not None and event is not None  # the row's check constraint
    body = webhook_body(event.payload)
    timestamp = int(time.time())
    return webhook.webhook_post(
        url=endpoint.url,
        body=body,
        headers={
            webhook.EVENT_HEADER: event.event,
            webhook.DELIVERY_HEADER: str(event.uid),
            webhook.SIGNATURE_HEADER: webhook.signature_header(
                webhook_secrets(endpoint, now=timezone.now()), timestamp, body
            ),
        },
        timeout=settings.WEBHOOK_TIMEOUT,
    )


_SENDERS: dict[str, Callable[[Delivery], int | None]] = {
    Channel.EMAIL: _send_email,
    Channel.SMS: _send_sms,
    Channel.WEBHOOK: _send_webhook,
}


def max_attempts(channel: str) -> int:
    if channel == Channel.WEBHOOK:
        return settings.WEBHOOK_MAX_ATTEMPTS
    return settings.NOTIFICATIONS_MAX_ATTEMPTS


def _recipient_gone(delivery: Delivery) -> str:
    """Why the delivery can no longer go out ("" when it can)."""
    if delivery.channel == Channel.WEBHOOK:
        assert delivery.endpoint is not None
        return "" if delivery.endpoint.is_active else "The endpoint is deactivated."
    assert delivery.notification is not None
    if not delivery.notification.recipient.is_active:
        return "The recipient's account is disabled."
    return ""


def delivery_attempt(*, delivery_id: int) -> tuple[str, datetime | None]:
    """Send one pending delivery at most once; returns (outcome, next attempt time or None).

    The row stays locked while the message goes out, so a second worker given the same id
    skips it, and a row already sent is never sent again.
    """
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification__recipient__home_office", "endpoint", "webhook_event")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        if delivery is None:
            return SKIPPED, None
        fields = ["status", "attempts", "last_error", "next_attempt_at", "sent_at"]
        gone = _recipient_gone(delivery)
        if gone:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = gone
            delivery.save(update_fields=fields)
            OUTBOX_DELIVERIES.labels(delivery.channel, FAILED).inc()
            return FAILED, None
        fields += ["last_attempt_at", "last_status_code"]
        delivery.last_attempt_at = timezone.now()
        try:
            delivery.last_status_code = _SENDERS[delivery.channel](delivery)
        except PermanentDeliveryError as exc:
            delivery.attempts += 1
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = str(exc)
            delivery.last_status_code = getattr(exc, "status_code", None)
            delivery.next_attempt_at = None
            outcome, next_at = FAILED, None
        except Exception as exc:  # transient, or a bug: both count as a failed attempt
            if not isinstance(exc, TransientDeliveryError):
                logger.exception("Unexpected error delivering notification %s", delivery.pk)
            delivery.attempts += 1
            delivery.last_error = f"{type(exc).__name__}: {exc}"
            delivery.last_status_code = getattr(exc, "status_code", None)
            if delivery.attempts >= max_attempts(delivery.channel):
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
                outcome, next_at = FAILED, None
            else:
                delivery.next_attempt_at = timezone.now() + retry_backoff(delivery.attempts)
                outcome, next_at = RETRY, delivery.next_attempt_at
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            delivery.next_attempt_at = None
            outcome, next_at = SENT, None
        delivery.save(update_fields=fields)
        OUTBOX_DELIVERIES.labels(delivery.channel, outcome).inc()
        if outcome == FAILED:
            # Not the error's text: an SMTP refusal names the address (it is on the row).
            logger.warning("Delivery %s (%s) failed", delivery.pk, delivery.channel)
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
    return deliveries_requeue(delivery_ids=delivery_ids, actor=actor)


def deliveries_requeue(*, delivery_ids: list[int], actor: User) -> int:
    """Failed rows among `delivery_ids` back to pending with a fresh count of attempts, sent
    after commit. The caller has checked the actor may (the admin's permission; an office's
    webhook page: the endpoint is the office's)."""
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
