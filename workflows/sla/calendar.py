"""Business-calendar arithmetic: working days, public holidays, office closures, deadlines.

Rules (office local time; see docs/sla.md):
- hours: elapsed hours from the start (plus paused time);
- working days: the end of the Nth working day after the start day (the start day
  never counts);
- calendar days: the end of the Nth calendar day after the start day; with the KPA
  art. 57 option, a deadline ending on a Saturday, Sunday or public holiday moves to
  the end of the next day that is none of those;
- months: the end of the same day-of-month N months later (clamped to the month's
  last day), with the same art. 57 shift when the option is on.

The `Calendar` object is pure Python: holiday sets are cached per (country, year) and
closure days are loaded once per office, so the sweep can compute thousands of step
times per second without touching the database.
"""

from __future__ import annotations

import calendar as _stdcal
import threading
import time as _time
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from functools import lru_cache
from typing import Any

import holidays as holidays_lib
from django.conf import settings
from django.db.models import Q

from accounts.models import Office

from .models import SlaCalendar, SlaClosureDay
from .units import TargetUnit

_END_OF_DAY = dtime.max  # 23:59:59.999999 local


@lru_cache(maxsize=512)
def public_holidays(country: str, year: int) -> frozenset[date]:
    """Public holidays of `country` in `year` (from the `holidays` package), cached."""
    if not country:
        return frozenset()
    try:
        return frozenset(holidays_lib.country_holidays(country, years=year).keys())
    except NotImplementedError:
        return frozenset()


@dataclass(frozen=True)
class Calendar:
    """Working days of one office: weekend, public holidays of its country, closures."""

    timezone: str
    country: str = ""
    weekend: frozenset[int] = frozenset({5, 6})
    closures: frozenset[date] = frozenset()
    kpa_art57: bool = False
    _working_cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return _zone(self.timezone)

    # --- days -----------------------------------------------------------------------
    def is_public_holiday(self, day: date) -> bool:
        return day in public_holidays(self.country, day.year)

    def is_working_day(self, day: date) -> bool:
        cached = self._working_cache.get(day)
        if cached is None:
            cached = not (
                day.weekday() in self.weekend
                or day in public_holidays(self.country, day.year)
                or day in self.closures
            )
            if len(self._working_cache) < 20000:
                self._working_cache[day] = cached
        return cached

    def add_working_days(self, day: date, count: int) -> date:
        """The Nth working day after `day` (`day` itself never counts); N=0 gives `day`."""
        current = day
        remaining = count
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end (negative when end is before start)."""
        if end == start:
            return 0
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count = 0
        current = start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return sign * count

    def art57_shift(self, day: date) -> date:
        """KPA art. 57 §4: a deadline ending on a Saturday or a public holiday moves on."""
        while (
            day.weekday() in self.weekend
            or day.weekday() in (5, 6)
            or day in public_holidays(self.country, day.year)
        ):
            day += timedelta(days=1)
        return day

    # --- datetimes --------------------------------------------------------------------
    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tzinfo).date()

    def end_of_day(self, day: date) -> datetime:
        return datetime.combine(day, _END_OF_DAY, tzinfo=self.tzinfo)

    def add(
        self,
        start: datetime,
        amount: int,
        unit: str,
        *,
        extra_days: int = 0,
        extra: timedelta = timedelta(0),
    ) -> datetime:
        """The moment `amount` `unit`s after `start`, by the rules in the module docstring.

        `extra_days` are whole days excluded by pauses for day-based units (working days
        for WORKING_DAYS, calendar days otherwise); `extra` is paused time for hours.
        """
        if unit == TargetUnit.HOURS:
            return start + timedelta(hours=amount) + extra
        day = self.local_date(start)
        if unit == TargetUnit.WORKING_DAYS:
            return self.end_of_day(self.add_working_days(day, amount + extra_days))
        if unit == TargetUnit.CALENDAR_DAYS:
            end = day + timedelta(days=amount + extra_days)
        elif unit == TargetUnit.MONTHS:
            end = add_months(day, amount) + timedelta(days=extra_days)
        else:
            raise ValueError(f"unknown unit {unit!r}")
        if self.kpa_art57:
            end = self.art57_shift(end)
        return self.end_of_day(end)

    def days_excluded(self, start: datetime, end: datetime, unit: str) -> int:
        """Days a pause from `start` to `end` excludes, counted like a deadline.

        The day the pause starts does not count, the day it ends does (a pause within
        one day excludes nothing); working days only for WORKING_DAYS targets.
        """
        first, last = self.local_date(start), self.local_date(end)
        if last <= first:
            return 0
        if unit == TargetUnit.WORKING_DAYS:
            return self.working_days_between(first, last)
        return (last - first).days


def add_months(day: date, months: int) -> date:
    """Same day-of-month `months` later, clamped to the last day of that month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _stdcal.monthrange(year, month)[1]))


@lru_cache(maxsize=256)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


# --- loading calendars for offices, with a small process-wide cache ------------------
_cache: dict[int, tuple[float, Calendar]] = {}
_cache_lock = threading.Lock()


def clear_calendar_cache() -> None:
    """Forget loaded office calendars (after an administrator edits closures or settings)."""
    with _cache_lock:
        _cache.clear()


def calendars_for_offices(office_ids: Iterable[int]) -> dict[int, Calendar]:
    """Calendars for these offices; at most 3 queries for the ones not cached."""
    ttl = getattr(settings, "SLA_CALENDAR_CACHE_SECONDS", 300)
    now = _time.monotonic()
    wanted = set(office_ids)
    result: dict[int, Calendar] = {}
    with _cache_lock:
        for office_id in wanted:
            hit = _cache.get(office_id)
            if hit and now - hit[0] < ttl:
                result[office_id] = hit[1]
    missing = wanted - result.keys()
    if not missing:
        return result
    offices = list(Office.objects.filter(pk__in=missing).values("id", "jurisdiction", "timezone"))
    jurisdictions = {o["jurisdiction"] for o in offices}
    configs: dict[int | str, Mapping[str, Any]] = {}  # by office id, else by jurisdiction
    rows = SlaCalendar.objects.filter(
        Q(jurisdiction__in=jurisdictions, office__isnull=True) | Q(office_id__in=missing)
    ).values()
    for row in rows:
        # an office override wins over the jurisdiction default
        key = row["office_id"] or row["jurisdiction"]
        configs[key] = row
    closures: dict[int, set[date]] = {}
    for office_id, day in SlaClosureDay.objects.filter(office_id__in=missing).values_list(
        "office_id", "date"
    ):
        closures.setdefault(office_id, set()).add(day)
    for office in offices:
        config = configs.get(office["id"]) or configs.get(office["jurisdiction"]) or {}
        cal = Calendar(
            timezone=office["timezone"],
            country=(config.get("holiday_country") or office["jurisdiction"])
            if config.get("public_holidays", True)
            else "",
            weekend=frozenset(config.get("weekend_days") or (5, 6)),
            closures=frozenset(closures.get(office["id"], ())),
            kpa_art57=config.get("kpa_art57", office["jurisdiction"] == "PL"),
        )
        result[office["id"]] = cal
    with _cache_lock:
        for office_id in missing:
            if office_id in result:
                _cache[office_id] = (now, result[office_id])
    return result


def calendar_for_office(office) -> Calendar:
    office_id = getattr(office, "pk", office)
    return calendars_for_offices([office_id])[office_id]
