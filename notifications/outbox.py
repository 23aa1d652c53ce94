"""The outbox: write notifications and their delivery rows (one per channel) in the caller's
transaction; the rows are handed to Celery after commit (dispatch)."""

import logging
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, transaction
from django.db.models import Model, OuterRef, Q
from django.db.models.constants import OnConflict
from django.db.models.functions import JSONObject
from django.db.models.sql import InsertQuery
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
    recipient: User | None = None,
    recipient_id: int | None = None,
    event: str,
    dedupe_key: str,
    case_reference: str = "",
    link: str = "",
    params: dict | None = None,
    actor: User | None = None,
) -> Notification | None:
    """Write one notification and its outbox rows in the caller's transaction.

    Returns None when the dedupe key was already used. Delivery is enqueued after commit.
    `recipient_id` instead of `recipient`: the recipient need not be read first.
    """
    if recipient is not None:
        recipient_id = recipient.pk
    if recipient_id is None:
        raise ValueError("A notification needs a recipient")
    created = _notifications_write(
        [
            NotificationRequest(
                recipient_id=recipient_id,
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


# Inside batched(): the requests of notify_soon(), written together when the block ends.
_BATCH: ContextVar[list[NotificationRequest] | None] = ContextVar("notify_batch", default=None)


@contextmanager
def batched():
    """Collect notify_soon() calls made inside this block and write them in one go at its end
    (in the caller's transaction, a fixed number of queries). Nested blocks join the outer."""
    if _BATCH.get() is not None:
        yield
        return
    token = _BATCH.set([])
    try:
        yield
        pending = _BATCH.get()
        if pending:
            _notifications_write(pending)
    finally:
        _BATCH.reset(token)


def notify_soon(
    *,
    recipient: User | None = None,
    recipient_id: int | None = None,
    event: str,
    dedupe_key: str,
    case_reference: str = "",
    link: str = "",
    params: dict | None = None,
    actor: User | None = None,
) -> None:
    """notify() for a caller that does not need the row: inside batched() it is written with
    the block's other notifications when the block ends, else at once."""
    pending = _BATCH.get()
    if pending is None:
        notify(
            recipient=recipient,
            recipient_id=recipient_id,
            event=event,
            dedupe_key=dedupe_key,
            case_reference=case_reference,
            link=link,
            params=params,
            actor=actor,
        )
        return
    if recipient is not None:
        recipient_id = recipient.pk
    if recipient_id is None:
        raise ValueError("A notification needs a recipient")
    request = NotificationRequest(
        recipient_id=recipient_id,
        event=event,
        dedupe_key=dedupe_key,
        case_reference=case_reference,
        link=link,
        params=params or {},
        actor_id=actor.pk if actor is not None else None,
    )
    _validate([request])  # a bad request fails where it is made, as notify() does
    pending.append(request)


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
    """Load recipients with their roles, and the relevant preferences: one query on
    PostgreSQL (the preferences as an array on each recipient's rows), two elsewhere."""
    recipient_ids = {request.recipient_id for request in requests}
    events = {request.event for request in requests}
    users: dict[int, dict] = {}
    roles: dict[int, set[str]] = {}
    together = connection.vendor == "postgresql"
    recipients = User.objects.filter(pk__in=recipient_ids)
    if together:
        recipients = recipients.annotate(preferences=_preferences_of(events))
    fields = ["id", "email", "phone", "is_active", "home_office_id", "groups__name"]
    if together:
        fields.append("preferences")
    rows: Iterable[dict[str, Any]] = recipients.values(*fields)
    preferences: dict[int, NotificationPreference] = {}
    # one row per recipient and group (a recipient without a group: one row, no group)
    for row in rows:
        role = row["groups__name"]
        users.setdefault(
            row["id"],
            {k: row[k] for k in ("id", "email", "phone", "is_active", "home_office_id")},
        )
        if role in Role.values:
            roles.setdefault(row["id"], set()).add(role)
        for values in row.get("preferences") or []:
            preferences.setdefault(values["id"], NotificationPreference(**values))
    if not together:
        office_ids = {row["home_office_id"] for row in users.values() if row["home_office_id"]}
        preferences = {
            pref.pk: pref
            for pref in NotificationPreference.objects.filter(
                Q(user_id__in=recipient_ids) | Q(office_id__in=office_ids), event__in=events
            )
        }
    user_prefs, office_prefs = {}, {}
    for pref in preferences.values():
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


_PREFERENCE_FIELDS = ("id", "user_id", "office_id", "event", "email", "sms", "frequency")


def _preferences_of(events: set[str]) -> ArraySubquery:
    """The recipient's own preferences for these events and their home office's defaults,
    as an array of JSON objects with NotificationPreference's fields."""
    return ArraySubquery(
        NotificationPreference.objects.filter(
            Q(user_id=OuterRef("id")) | Q(office_id=OuterRef("home_office_id")),
            event__in=events,
        ).values(json=JSONObject(**{name: name for name in _PREFERENCE_FIELDS}))
    )


def _notifications_write(requests: list[NotificationRequest]) -> list[Notification]:
    requests = _validate(requests)
    if not requests:
        return []
    # No savepoint inside the caller's transaction: a failure here rolls the caller back.
    with transaction.atomic(savepoint=False):
        choice_for, users = _choices_for(requests)
        requests = [request for request in requests if request.recipient_id in users]
        if not requests:
            return []
        batch = uuid.uuid4()
        created = _insert_new(
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
            batch=batch,
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


def _insert_new(notifications: list[Notification], *, batch: uuid.UUID) -> list[Notification]:
    """Insert the notifications whose dedupe key is new; returns those, by id. On PostgreSQL
    one statement (INSERT ... ON CONFLICT DO NOTHING RETURNING the new ids)."""
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create(notifications, ignore_conflicts=True)
        # Rows that already existed keep their own batch id, so this finds only new ones.
        return list(
            Notification.objects.filter(
                dedupe_key__in=[n.dedupe_key for n in notifications], write_batch=batch
            ).order_by("id")
        )
    query = InsertQuery(Notification, on_conflict=OnConflict.IGNORE)
    rows: list[Model] = list(notifications)
    query.insert_values([f for f in Notification._meta.concrete_fields if not f.primary_key], rows)
    [(sql, params)] = query.get_compiler(connection=connection).as_sql()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {quote('id')}, {quote('dedupe_key')}", params)
        new_ids = dict((key, pk) for pk, key in cursor.fetchall())
    created = []
    for notification in notifications:
        if notification.dedupe_key in new_ids:
            notification.pk = new_ids[notification.dedupe_key]
            notification._state.adding = False
            notification._state.db = connection.alias
            created.append(notification)
    return sorted(created, key=lambda n: n.pk)
