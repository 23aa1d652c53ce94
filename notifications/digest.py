"""The daily digest: held notifications plus sections registered by other apps.

notifications may not import workflows or case_flows, so they plug in from their
AppConfig.ready:

    from notifications.digest import DigestSection, register_digest_section
    register_digest_section("overdue", lambda user: DigestSection(title=..., lines=[...], link=...))

Lines go into the digest e-mail, so they follow the e-mail rule: counts, case references,
kinds of work; never a person's name or a case detail.
"""

import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from accounts.models import Office, Role, User

from .models import Delivery, DeliveryStatus, Event, Notification
from .outbox import notify
from .rendering import recipient_language

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestSection:
    title: str
    lines: list[str] = field(default_factory=list)
    link: str = ""


DigestProvider = Callable[[User], "list[str] | DigestSection | None"]
_sections: dict[str, DigestProvider] = {}


def register_digest_section(key: str, provider: DigestProvider) -> None:
    """Add (or replace, by key) a digest section; call it from AppConfig.ready."""
    _sections[key] = provider


def unregister_digest_section(key: str) -> None:
    _sections.pop(key, None)


def digest_sections_for(user: User) -> list[dict]:
    """Run every provider for this user, in the active language; a broken one is skipped."""
    sections = []
    for key, provider in list(_sections.items()):
        try:
            result = provider(user)
        except Exception:
            logger.exception("Digest section %s failed for user %s", key, user.pk)
            continue
        if not result:
            continue
        if not isinstance(result, DigestSection):
            result = DigestSection(title="", lines=list(result))
        if not result.lines:
            continue
        sections.append(
            {
                "key": key,
                "title": str(result.title),
                "lines": [str(line) for line in result.lines],
                "link": result.link,
            }
        )
    return sections


def user_local_date(user: User, now: datetime) -> date:
    tz = user.home_office.tzinfo if user.home_office else zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return now.astimezone(tz).date()


def digest_send(*, user: User, local_date: date) -> Notification | None:
    """Build and send one user's digest for one day; None if there is nothing or it was sent."""

    dedupe_key = f"digest:{user.pk}:{local_date.isoformat()}"
    if Notification.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    with transaction.atomic():
        held = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(notification__recipient=user, status=DeliveryStatus.HELD)
            .select_related("notification")
            .order_by("notification__created_at", "id")
        )
        seen, items = set(), []
        for delivery in held:
            notification = delivery.notification
            assert notification is not None  # held rows are e-mail/SMS, never webhooks
            if notification.pk in seen:
                continue
            seen.add(notification.pk)
            items.append(
                {
                    "event": notification.event,
                    "reference": notification.case_reference,
                    "link": notification.link,
                }
            )
        with translation.override(recipient_language(user)):
            sections = digest_sections_for(user)
        if not items and not sections:
            return None
        digest = notify(
            recipient=user,
            event=Event.DAILY_DIGEST,
            dedupe_key=dedupe_key,
            link="/notifications/",
            params={"date": local_date.isoformat(), "items": items, "sections": sections},
        )
        if digest is not None and held:
            Delivery.objects.filter(pk__in=[d.pk for d in held]).update(
                status=DeliveryStatus.DIGESTED, digest=digest
            )
    return digest


def digest_recipients(*, now: datetime):
    """Active users whose local time is the digest hour and who may have something to read."""
    hour = settings.NOTIFICATIONS_DIGEST_HOUR
    zones = set(Office.objects.values_list("timezone", flat=True).distinct())
    due_zones = {tz for tz in zones if now.astimezone(zoneinfo.ZoneInfo(tz)).hour == hour}
    where = Q(home_office__timezone__in=due_zones)
    if now.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).hour == hour:
        where |= Q(home_office__isnull=True)
    held_ids = Delivery.objects.filter(status=DeliveryStatus.HELD).values(
        "notification__recipient_id"
    )
    return (
        User.objects.filter(where, is_active=True)
        .filter(Q(groups__name__in=[Role.SUPERVISOR, Role.MANAGER]) | Q(pk__in=held_ids))
        .select_related("home_office")
        .distinct()
        .order_by("pk")
    )


def daily_digests_send(*, now: datetime) -> int:
    """The hourly beat: send today's digest to everyone at their digest hour. Idempotent."""
    sent = 0
    for user in digest_recipients(now=now):
        try:
            if digest_send(user=user, local_date=user_local_date(user, now)) is not None:
                sent += 1
        except Exception:
            logger.exception("Daily digest failed for user %s", user.pk)
    return sent
