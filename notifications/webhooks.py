"""Webhooks: an office's endpoints (register, change, rotate the secret, deactivate, ping),
the events written to the outbox in the caller's transaction, and an endpoint's deliveries.

An event becomes one WebhookEvent (its payload, fixed at the change) and one Delivery row
per subscribed endpoint, in the transaction of the business change: a rolled-back change
leaves nothing, a committed one cannot be lost. Celery gets the rows after commit; the
outbox's retries, backoff, recovery sweep and retry by an administrator do the rest
(notifications.delivery). Payloads carry identifiers and codes only (docs/webhooks.md).
"""

import logging
import re
import secrets
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Office, User
from accounts.staff_rules import manages_every_office

from .backends.webhook import WebhookUrlError, webhook_url_check
from .delivery import deliveries_requeue
from .dispatch import enqueue_deliveries
from .models import (
    SUBSCRIBABLE_EVENTS,
    Channel,
    Delivery,
    DeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
from .outbox import replaying_history

logger = logging.getLogger(__name__)

MANAGE_PERMISSION = "notifications.change_webhookendpoint"
SECRET_PREFIX = "whsec_"
RECENT_DELIVERIES = 50


class WebhookError(Exception):
    """A refused change: `message` is for the administrator, `field` the form field."""

    def __init__(self, message, field: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field


# --- who -----------------------------------------------------------------------------------------


def may_manage_webhooks(user: User) -> bool:
    """An office's administrators (a superuser or national administrator: any office)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if not user.has_perm(MANAGE_PERMISSION):
        return False
    return user.home_office_id is not None or manages_every_office(user)


def webhook_offices(user: User) -> QuerySet[Office]:
    if not may_manage_webhooks(user):
        return Office.objects.none()
    if manages_every_office(user):
        return Office.objects.filter(is_active=True)
    if user.home_office_id is None:
        return Office.objects.none()
    return Office.objects.filter(pk=user.home_office_id)


def _require_office(actor: User, office_id: int) -> None:
    if not may_manage_webhooks(actor):
        raise PermissionDenied(_("Only administrators manage webhooks."))
    if not manages_every_office(actor) and actor.home_office_id != office_id:
        raise PermissionDenied(_("This endpoint belongs to another office."))


# --- endpoints -----------------------------------------------------------------------------------


def secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def clean_url(url: str) -> str:
    try:
        return webhook_url_check(url)
    except WebhookUrlError as exc:
        raise WebhookError(str(exc), field="url") from exc


def clean_events(events: Iterable[str]) -> list[str]:
    """The chosen events in the catalogue's order; at least one, all from the catalogue."""
    chosen = set(events)
    if not chosen:
        raise WebhookError(_("Choose at least one event."), field="events")
    if chosen - set(SUBSCRIBABLE_EVENTS):
        raise WebhookError(_("Choose events from the list."), field="events")
    return [event for event in SUBSCRIBABLE_EVENTS if event in chosen]


@transaction.atomic
def webhook_endpoint_create(
    *, actor: User, office: Office, url: str, description: str, events: Iterable[str]
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its new secret (to show once)."""
    _require_office(actor, office.pk)
    endpoint = WebhookEndpoint.objects.create(
        office=office,
        url=clean_url(url),
        description=description.strip()[:200],
        events=clean_events(events),
        secret=secret_new(),
        created_by=actor,
        updated_by=actor,
    )
    logger.info("User %s registered webhook endpoint %s", actor.pk, endpoint.pk)
    return endpoint, endpoint.secret


@transaction.atomic
def webhook_endpoint_update(
    *, actor: User, endpoint: WebhookEndpoint, url: str, description: str, events: Iterable[str]
) -> WebhookEndpoint:
    _require_office(actor, endpoint.office_id)
    endpoint.url = clean_url(url)
    endpoint.description = description.strip()[:200]
    endpoint.events = clean_events(events)
    endpoint.updated_by = actor
    endpoint.save(update_fields=["url", "description", "events", "updated_by", "updated_at"])
    logger.info("User %s changed webhook endpoint %s", actor.pk, endpoint.pk)
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(*, actor: User, endpoint: WebhookEndpoint) -> str:
    """A new secret (returned, to show once). Deliveries are signed with the old one as well
    for WEBHOOK_SECRET_OVERLAP_HOURS, so the receiver can switch without losing events."""
    _require_office(actor, endpoint.office_id)
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    now = timezone.now()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_until = now + timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS)
    endpoint.secret = secret_new()
    endpoint.secret_rotated_at = now
    endpoint.updated_by = actor
    endpoint.save(
        update_fields=[
            "previous_secret",
            "previous_secret_until",
            "secret",
            "secret_rotated_at",
            "updated_by",
            "updated_at",
        ]
    )
    logger.info("User %s rotated the secret of webhook endpoint %s", actor.pk, endpoint.pk)
    return endpoint.secret


@transaction.atomic
def webhook_endpoint_set_active(
    *, actor: User, endpoint: WebhookEndpoint, active: bool
) -> WebhookEndpoint:
    """A deactivated endpoint gets no new events; its pending deliveries fail when their turn
    comes (and can be retried after it is activated again)."""
    _require_office(actor, endpoint.office_id)
    endpoint.is_active = active
    endpoint.updated_by = actor
    endpoint.save(update_fields=["is_active", "updated_by", "updated_at"])
    logger.info("User %s set webhook endpoint %s active=%s", actor.pk, endpoint.pk, active)
    return endpoint


def webhook_ping(*, actor: User, endpoint: WebhookEndpoint) -> Delivery:
    """A test event to this endpoint alone, through the outbox like any other."""
    _require_office(actor, endpoint.office_id)
    if not endpoint.is_active:
        raise WebhookError(_("Activate the endpoint before sending it a test event."))
    now = timezone.now()
    with transaction.atomic():
        event = _event_row(
            office_id=endpoint.office_id,
            office_code=endpoint.office.code,
            event=WebhookEventType.PING,
            source_key=f"ping:{uuid.uuid4()}",
            occurred_at=now,
            case=None,
            data={"endpoint": endpoint.pk},
        )
        event.save()
        delivery = Delivery.objects.create(
            channel=Channel.WEBHOOK,
            webhook_event=event,
            endpoint=endpoint,
            status=DeliveryStatus.PENDING,
            next_attempt_at=now,
        )
        transaction.on_commit(lambda: enqueue_deliveries([delivery.pk]), robust=True)
    return delivery


def webhook_deliveries_retry(
    *, actor: User, endpoint: WebhookEndpoint, delivery_ids: list[int] | None = None
) -> int:
    """Failed deliveries of this endpoint back in the outbox (all of them with no ids)."""
    _require_office(actor, endpoint.office_id)
    if not endpoint.is_active:
        raise WebhookError(_("Activate the endpoint before retrying its deliveries."))
    failed = Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.FAILED)
    if delivery_ids is not None:
        failed = failed.filter(pk__in=delivery_ids)
    return deliveries_requeue(delivery_ids=list(failed.values_list("pk", flat=True)), actor=actor)


# --- reads ---------------------------------------------------------------------------------------


def webhook_endpoints_of_office(office: Office) -> list[WebhookEndpoint]:
    """The office's endpoints with their failed and pending counts and last delivery: one
    query."""
    return list(
        WebhookEndpoint.objects.filter(office=office)
        .annotate(
            failed_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
            pending_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
            last_delivery_at=Max("deliveries__created_at"),
        )
        .order_by("-is_active", "url", "pk")
    )


def webhook_endpoint_of_office(office: Office, endpoint_id: int) -> WebhookEndpoint | None:
    return (
        WebhookEndpoint.objects.filter(office=office, pk=endpoint_id)
        .select_related("office", "created_by", "updated_by")
        .first()
    )


def webhook_deliveries_recent(
    endpoint: WebhookEndpoint, *, limit: int = RECENT_DELIVERIES
) -> list[Delivery]:
    """The endpoint's newest deliveries with their events: one query."""
    return list(
        Delivery.objects.filter(endpoint=endpoint)
        .select_related("webhook_event")
        .order_by("-created_at", "-pk")[:limit]
    )


# --- events --------------------------------------------------------------------------------------

# Values a payload's "data" may hold: ids, numbers, flags, and short codes (stage names,
# statuses, ISO times). A space means words: refused, so free text cannot slip in.
_CODE = re.compile(r"^[A-Za-z0-9_.:+\-]{0,80}$")


def _check_no_free_text(value, path: str = "data") -> None:
    if value is None or isinstance(value, bool | int | float):
        return
    if isinstance(value, str):
        if not _CODE.match(value):
            raise ValueError(f"Webhook payload {path} is not a code: free text is never sent")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_no_free_text(item, f"{path}[{index}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            _check_no_free_text(item, f"{path}.{key}")
        return
    raise ValueError(f"Webhook payload {path}: {type(value).__name__} is not allowed")


@dataclass(frozen=True)
class WebhookRequest:
    """One business event of one office. `case_reference` None: not sent (a restricted
    case is named by its id alone)."""

    office_id: int
    event: str  # a WebhookEventType value
    source_key: str  # unique per change and office, e.g. "caseevent:81:stage_changed"
    occurred_at: datetime
    case_id: int | None = None
    case_reference: str | None = None
    data: dict = field(default_factory=dict)


def _event_row(
    *,
    office_id: int,
    office_code: str,
    event: str,
    source_key: str,
    occurred_at: datetime,
    case: dict | None,
    data: dict,
    batch: uuid.UUID | None = None,
) -> WebhookEvent:
    _check_no_free_text(data)
    uid = uuid.uuid4()
    return WebhookEvent(
        uid=uid,
        office_id=office_id,
        event=event,
        source_key=source_key,
        occurred_at=occurred_at,
        write_batch=batch or uuid.uuid4(),
        payload={
            "id": str(uid),
            "event": event,
            "occurred_at": occurred_at.astimezone(UTC).isoformat(),
            "office": office_code,
            "case": case,
            "data": data,
        },
    )


def webhook_subscribed_offices(office_ids: Iterable[int], event: str) -> set[int]:
    """The offices among `office_ids` with an active endpoint subscribed to `event`: lets a
    writer of many events (the deadline sweep) skip building them. One query."""
    if replaying_history():
        return set()
    return {
        endpoint.office_id
        for endpoint in WebhookEndpoint.objects.filter(
            office_id__in=set(office_ids), is_active=True
        ).only("office_id", "events")
        if event in endpoint.events
    }


# Inside batched(): the requests of webhooks_emit(), written together when the block ends.
_BATCH: ContextVar[list[WebhookRequest] | None] = ContextVar("webhook_batch", default=None)


@contextmanager
def batched():
    """Collect webhooks_emit() calls made inside this block (a task completion's several
    timeline events) and write them at its end, in the caller's transaction: one endpoint
    lookup for the whole block. Nested blocks join the outer."""
    if _BATCH.get() is not None:
        yield
        return
    token = _BATCH.set([])
    try:
        yield
        pending = _BATCH.get()
        if pending:
            _BATCH.set(None)
            webhooks_emit(pending)
    finally:
        _BATCH.reset(token)


def webhooks_emit(requests: list[WebhookRequest]) -> int:
    """Write the events that some active endpoint of their office subscribes to, and one
    delivery per such endpoint, in the caller's transaction; Celery after commit. One query
    when no endpoint wants them, a fixed few when some do. Returns the deliveries written.

    Nothing is written while history is replayed (demo data, imports): a receiver should
    not hear of weeks-old changes as news."""
    if not requests or replaying_history():
        return 0
    for request in requests:
        if request.event not in SUBSCRIBABLE_EVENTS:
            raise ValueError(f"Unknown webhook event {request.event!r}")
    pending = _BATCH.get()
    if pending is not None:  # written when the batched() block ends
        pending.extend(requests)
        return 0
    endpoints: dict[tuple[int, str], list[WebhookEndpoint]] = {}
    codes: dict[int, str] = {}
    for endpoint in WebhookEndpoint.objects.filter(
        office_id__in={request.office_id for request in requests}, is_active=True
    ).select_related("office"):
        codes[endpoint.office_id] = endpoint.office.code
        for event in endpoint.events:
            endpoints.setdefault((endpoint.office_id, event), []).append(endpoint)
    wanted = [r for r in requests if (r.office_id, r.event) in endpoints]
    if not wanted:
        return 0
    batch = uuid.uuid4()
    with transaction.atomic():
        WebhookEvent.objects.bulk_create(
            [
                _event_row(
                    office_id=request.office_id,
                    office_code=codes[request.office_id],
                    event=request.event,
                    source_key=request.source_key,
                    occurred_at=request.occurred_at,
                    case=None
                    if request.case_id is None
                    else {"id": request.case_id, "reference": request.case_reference},
                    data=request.data,
                    batch=batch,
                )
                for request in wanted
            ],
            ignore_conflicts=True,
        )
        # Rows that existed (a repeated call) keep their own batch: only new ones come back.
        created = (
            WebhookEvent.objects.filter(
                source_key__in=[request.source_key for request in wanted], write_batch=batch
            )
            .only("pk", "office_id", "event")
            .order_by("pk")  # deliveries in the order of the changes
        )
        now = timezone.now()
        deliveries = Delivery.objects.bulk_create(
            [
                Delivery(
                    channel=Channel.WEBHOOK,
                    webhook_event=event,
                    endpoint=endpoint,
                    status=DeliveryStatus.PENDING,
                    next_attempt_at=now,
                )
                for event in created
                for endpoint in endpoints[(event.office_id, event.event)]
            ]
        )
        ids = [delivery.pk for delivery in deliveries]
        if ids:
            transaction.on_commit(lambda: enqueue_deliveries(ids), robust=True)
    return len(ids)
