"""The outbox: write notifications and their delivery rows (one per channel) in the caller's
transaction; the rows are handed to Celery after commit (dispatch)."""

import logging
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Role, User

from .dispatch import enqueue_deliveries
from .models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Event,
    Notification,
    NotificationPreference,
)
from .preferences import ChannelChoice, resolve_choice

logger = logging.getLogger(__name__)

# While history is replayed (the demo's past), notifications are written for the record but
# nothing is sent: an e-mail about something that happened weeks ago is noise.
_REPLAYING_HISTORY: ContextVar[bool] = ContextVar("replaying_history", default=False)


def replaying_history() -> bool:
    """Inside history_replay(): record, do not send."""
    return _REPLAYING_HISTORY.get()


@contextmanager
def history_replay():
    """Write notifications without deliveries inside this block (demo data, imports)."""
    token = _REPLAYING_HISTORY.set(True)
    try:
        yield
    finally:
        _REPLAYING_HISTORY.reset(token)


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
) -> tuple[Callable[[int, str], ChannelChoice], dict[int, Any]]:
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
        deliveries: list[Delivery] = []
        for notification in created:
            user = users[notification.recipient_id]
            if not user["is_active"] or _REPLAYING_HISTORY.get():
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
