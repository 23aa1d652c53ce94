"""The bulk-read alert: a person who opened more different cases within the last hour than
ACCESS_ALERT_CASES_PER_HOUR is reported to the data protection officers of their office and
to the national ones, once per person and hour (AccessAlert)."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from notifications.models import Event
from notifications.outbox import notify

from ..models import AccessAlert, AccessEvent

WINDOW = datetime.timedelta(hours=1)


def _officers_for(user: User) -> list[User]:
    """The active data protection officers of the reader's office, and the national ones."""
    officers = User.objects.filter(is_active=True, groups__name=Role.DATA_PROTECTION_OFFICER)
    local = Q(is_national=True)
    if user.home_office_id is not None:
        local |= Q(home_office_id=user.home_office_id)
    return list(officers.filter(local).exclude(pk=user.pk).distinct())


def access_alerts_raise(*, now: datetime.datetime | None = None) -> int:
    """Tell the officers about each person over the limit in the last hour who was not told
    about within the last hour; returns how many people were reported."""
    now = now or timezone.now()
    limit = settings.ACCESS_ALERT_CASES_PER_HOUR
    since = now - WINDOW
    readers = (
        AccessEvent.objects.filter(at__gte=since, at__lte=now, case__isnull=False)
        .values("user_id")
        .annotate(cases=Count("case_id", distinct=True))
        .filter(cases__gt=limit)
    )
    counts = {row["user_id"]: row["cases"] for row in readers}
    if not counts:
        return 0
    already = set(
        AccessAlert.objects.filter(user_id__in=counts, created_at__gt=since).values_list(
            "user_id", flat=True
        )
    )
    window_start = now.replace(minute=0, second=0, microsecond=0)
    link = reverse("access_log")
    reported = 0
    for user in User.objects.filter(pk__in=set(counts) - already).select_related("home_office"):
        try:
            with transaction.atomic():
                alert = AccessAlert.objects.create(
                    user=user, window_start=window_start, case_count=counts[user.pk]
                )
                for officer in _officers_for(user):
                    notify(
                        recipient=officer,
                        event=Event.ACCESS_ALERT,
                        dedupe_key=f"access_alert:{alert.pk}:{officer.pk}",
                        link=f"{link}?user={user.pk}",
                        params={"person": str(user), "cases": counts[user.pk], "limit": limit},
                    )
        except IntegrityError:
            continue  # another run reported this person for this hour
        reported += 1
    return reported
