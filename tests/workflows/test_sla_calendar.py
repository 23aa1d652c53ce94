"""Deadline arithmetic against dates computed by hand."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.factories import make_office
from workflows.sla.calendar import Calendar, add_months, calendar_for_office
from workflows.sla.models import SlaCalendar, SlaClosureDay
from workflows.sla.units import TargetUnit

WARSAW = ZoneInfo("Europe/Warsaw")
ACCRA = ZoneInfo("Africa/Accra")
POLAND = Calendar(timezone="Europe/Warsaw", country="PL", kpa_art57=True)
POLAND_PLAIN = Calendar(timezone="Europe/Warsaw", country="PL")
GHANA = Calendar(timezone="Africa/Accra", country="GH")


def end_of(day: str, tz) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.max.time(), tzinfo=tz)


def at(text: str, tz=UTC) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def test_polish_14_working_days_skip_all_saints_and_independence_day():
    # Fri 30 Oct: Nov 2-6 (5), 9-10 (7), 11 Nov holiday, 12-13 (9), 16-20 (14)
    due = POLAND.add(at("2026-10-30 10:00", WARSAW), 14, TargetUnit.WORKING_DAYS)
    assert due == end_of("2026-11-20", WARSAW)


def test_easter_monday_is_not_a_working_day_in_poland():
    # Thu 2 Apr: Good Friday is a working day in Poland, Easter Monday is not
    due = POLAND.add(at("2026-04-02 09:00", WARSAW), 2, TargetUnit.WORKING_DAYS)
    assert due == end_of("2026-04-07", WARSAW)


def test_good_friday_and_easter_monday_are_holidays_in_ghana():
    due = GHANA.add(at("2026-04-02 09:00"), 2, TargetUnit.WORKING_DAYS)
    assert due == end_of("2026-04-08", ACCRA)


def test_ghana_independence_day_and_republic_day_week():
    assert GHANA.add(at("2026-03-05 09:00"), 2, TargetUnit.WORKING_DAYS) == end_of(
        "2026-03-10", ACCRA
    )
    # Republic Day (Wed 1 Jul) and the public holiday on Fri 3 Jul
    assert GHANA.add(at("2026-06-30 09:00"), 2, TargetUnit.WORKING_DAYS) == end_of(
        "2026-07-06", ACCRA
    )


def test_start_day_is_taken_in_the_office_timezone():
    start = at("2026-03-10 23:30")  # already Wednesday 11 March 00:30 in Warsaw
    assert POLAND.add(start, 2, TargetUnit.WORKING_DAYS) == end_of("2026-03-13", WARSAW)
    assert GHANA.add(start, 2, TargetUnit.WORKING_DAYS) == end_of("2026-03-12", ACCRA)
    assert end_of("2026-03-13", WARSAW).astimezone(UTC).hour == 22


def test_art57_moves_a_calendar_day_deadline_off_saturday():
    # Mon 1 Jun + 5 days = Sat 6 Jun -> Mon 8 Jun
    start = at("2026-06-01 12:00", WARSAW)
    assert POLAND.add(start, 5, TargetUnit.CALENDAR_DAYS) == end_of("2026-06-08", WARSAW)
    assert POLAND_PLAIN.add(start, 5, TargetUnit.CALENDAR_DAYS) == end_of("2026-06-06", WARSAW)


def test_art57_moves_a_deadline_off_a_public_holiday():
    # Sat 30 May + 5 days = Thu 4 Jun, Corpus Christi -> Fri 5 Jun
    start = at("2026-05-30 12:00", WARSAW)
    assert POLAND.add(start, 5, TargetUnit.CALENDAR_DAYS) == end_of("2026-06-05", WARSAW)


def test_months_clamp_to_the_end_of_a_shorter_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    start = at("2026-01-31 10:00", ACCRA)
    assert GHANA.add(start, 1, TargetUnit.MONTHS) == end_of("2026-02-28", ACCRA)
    # 28 Feb 2026 is a Saturday: under art. 57 the month ends on Monday 2 March
    start = at("2026-01-31 10:00", WARSAW)
    assert POLAND.add(start, 1, TargetUnit.MONTHS) == end_of("2026-03-02", WARSAW)


def test_hours_are_elapsed_hours_whatever_the_day():
    start = at("2026-12-24 23:30")
    assert POLAND.add(start, 24, TargetUnit.HOURS) == start + timedelta(hours=24)


def test_a_pause_excludes_the_days_it_spans_in_the_target_unit():
    # paused Fri 30 Oct 10:00 to Wed 4 Nov 10:00: Nov 2, 3, 4 are working days
    start, end = at("2026-10-30 10:00", WARSAW), at("2026-11-04 10:00", WARSAW)
    assert POLAND.days_excluded(start, end, TargetUnit.WORKING_DAYS) == 3
    assert POLAND.days_excluded(start, end, TargetUnit.CALENDAR_DAYS) == 5
    assert POLAND.days_excluded(start, start + timedelta(hours=3), TargetUnit.CALENDAR_DAYS) == 0


@pytest.mark.django_db
def test_office_closure_days_and_jurisdiction_settings_apply():
    office = make_office(jurisdiction="PL", timezone="Europe/Warsaw")
    SlaClosureDay.objects.create(office=office, date=date(2026, 11, 2), reason="Inventory")
    cal = calendar_for_office(office)
    assert cal.kpa_art57 is True  # the Polish default
    assert cal.add(at("2026-10-30 10:00", WARSAW), 1, TargetUnit.WORKING_DAYS) == end_of(
        "2026-11-03", WARSAW
    )


@pytest.mark.django_db
def test_an_office_override_wins_over_the_jurisdiction_calendar():
    office = make_office(jurisdiction="GH", timezone="Africa/Accra")
    SlaCalendar.objects.create(jurisdiction="GH", weekend_days=[5, 6])
    SlaCalendar.objects.create(jurisdiction="GH", office=office, weekend_days=[4, 5])
    cal = calendar_for_office(office)
    # Thu 5 Mar: Fri 6 (holiday and weekend), Sat 7 weekend, Sun 8 works here
    assert cal.add(at("2026-03-05 09:00"), 1, TargetUnit.WORKING_DAYS) == end_of(
        "2026-03-08", ACCRA
    )
