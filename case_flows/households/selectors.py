"""Household reads: the client's household, its members over time, a month's incomes, and
the household's income per person against the statutory criterion (the Polish rule: the
income of the members living there that month, divided by their number)."""

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from ..models import (
    Case,
    Household,
    HouseholdMember,
    Income,
    IncomeThreshold,
    Person,
    PersonRelation,
    ThresholdKind,
)

CENT = Decimal("0.01")


class HouseholdIncome(NamedTuple):
    total: Decimal
    members_counted: int
    per_person: Decimal | None
    threshold: IncomeThreshold | None
    below_threshold: bool | None  # not above the criterion; None without one (or no members)


def month_end(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - (
        datetime.timedelta(days=1)
    )


def last_full_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def office_last_full_month(case: Case) -> datetime.date:
    return last_full_month(timezone.localdate(timezone=case.office.tzinfo))


def in_month_q(month: datetime.date) -> Q:
    """Memberships that overlap the month."""
    return Q(from_date__lte=month_end(month)) & (Q(to_date__isnull=True) | Q(to_date__gte=month))


def current_membership(person: Person) -> HouseholdMember | None:
    return (
        HouseholdMember.objects.filter(person=person, to_date__isnull=True)
        .select_related("household__office")
        .first()
    )


def household_of_case(case: Case) -> Household | None:
    membership = current_membership(case.person)
    return membership.household if membership is not None else None


def household_members(household: Household) -> QuerySet[HouseholdMember]:
    """Everyone who has lived there, current members first, then by the date they joined."""
    return (
        HouseholdMember.objects.filter(household=household)
        .select_related("person")
        .order_by("to_date", "from_date", "pk")
    )


def members_in_month(household: Household, month: datetime.date) -> list[HouseholdMember]:
    return list(
        HouseholdMember.objects.filter(in_month_q(month), household=household)
        .select_related("person")
        .order_by("from_date", "pk")
    )


def relatives_to_offer(case: Case, household: Household) -> list[Person]:
    """The client's relatives who are not current members of this household."""
    in_household = HouseholdMember.objects.filter(household=household, to_date__isnull=True)
    ids = (
        PersonRelation.objects.filter(person=case.person)
        .exclude(relative__in=in_household.values("person"))
        .values("relative")
    )
    return list(Person.objects.filter(pk__in=ids, anonymised_at__isnull=True).order_by("pk"))


def month_incomes(household: Household, month: datetime.date) -> list[Income]:
    return list(
        Income.objects.filter(household=household, month=month)
        .select_related("person")
        .order_by("person_id", "source")
    )


def threshold_for(jurisdiction: str, kind: str, month: datetime.date) -> IncomeThreshold | None:
    """The criterion of this kind in force on the month's first day."""
    return (
        IncomeThreshold.objects.filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=month),
            jurisdiction=jurisdiction,
            kind=kind,
            valid_from__lte=month,
        )
        .order_by("-valid_from")
        .first()
    )


def household_income(household: Household, month: datetime.date) -> HouseholdIncome:
    """The month's income of the members living there, per person, against the criterion
    for a person alone ("single", one member) or in a family ("per_person")."""
    living = (
        HouseholdMember.objects.filter(in_month_q(month), household=household, lives_here=True)
        .values_list("person_id", flat=True)
        .distinct()
    )
    person_ids = set(living)
    total = Income.objects.filter(
        household=household, month=month, person_id__in=person_ids
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    total = Decimal(total).quantize(CENT)
    counted = len(person_ids)
    if not counted:
        return HouseholdIncome(total, 0, None, None, None)
    per_person = (total / counted).quantize(CENT, rounding=ROUND_HALF_UP)
    kind = ThresholdKind.SINGLE if counted == 1 else ThresholdKind.PER_PERSON
    threshold = threshold_for(household.office.jurisdiction, kind, month)
    below = None if threshold is None else per_person <= threshold.amount
    return HouseholdIncome(total, counted, per_person, threshold, below)


def has_incomes(household: Household, month: datetime.date) -> bool:
    return Income.objects.filter(household=household, month=month).exists()
