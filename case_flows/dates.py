"""Plausible dates: what a date of birth or a contact date may be, checked the same way by the
forms (at the field, with the other errors) and by the services (for every other caller)."""

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _

# The oldest person on record lived 122 years: older is a typing error (year 1, 1024...).
OLDEST_AGE_YEARS = 125


def earliest_date_of_birth(today: datetime.date) -> datetime.date:
    try:
        return today.replace(year=today.year - OLDEST_AGE_YEARS)
    except ValueError:  # 29 February
        return today.replace(year=today.year - OLDEST_AGE_YEARS, day=28)


def date_of_birth_problem(born: datetime.date | None, today: datetime.date) -> str | None:
    """Why a date of birth cannot be right, or None."""
    if born is None:
        return None
    if born > today:
        return _("The date of birth cannot be in the future.")
    if born < earliest_date_of_birth(today):
        return _("A date of birth before %(earliest)s is not plausible: check the year.") % {
            "earliest": date_format(earliest_date_of_birth(today), "SHORT_DATE_FORMAT")
        }
    return None


def contact_date_problem(
    day: datetime.date, *, opened: datetime.date, today: datetime.date
) -> str | None:
    """Why the date of a contact with the client cannot be right, or None: it happened
    between the day the case was opened and today."""
    if day > today:
        return _("A follow-up cannot be in the future.")
    if day < opened:
        return _("The contact cannot be before the case was opened (%(opened)s).") % {
            "opened": date_format(opened, "SHORT_DATE_FORMAT")
        }
    return None


# A plan's actions are due within the plan's horizon: a year back (an action being caught up
# on) to ten years ahead (a child's long-term goal). Outside that, the year was mistyped.
TARGET_YEARS_BACK, TARGET_YEARS_AHEAD = 1, 10


def target_date_problem(day: datetime.date | None, today: datetime.date) -> str | None:
    """Why a plan action's target date cannot be right, or None."""
    if day is None:
        return None
    earliest = today - datetime.timedelta(days=365 * TARGET_YEARS_BACK)
    latest = today + datetime.timedelta(days=365 * TARGET_YEARS_AHEAD)
    if not earliest <= day <= latest:
        return _("A target date must be between %(earliest)s and %(latest)s: check the year.") % {
            "earliest": date_format(earliest, "SHORT_DATE_FORMAT"),
            "latest": date_format(latest, "SHORT_DATE_FORMAT"),
        }
    return None
