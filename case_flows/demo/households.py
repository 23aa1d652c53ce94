"""Demo households: a few clients of each demo office get a household with members and two
months of incomes, through the real services, so the case page and the assessment show the
income per person against the criterion (Sochaczew: some below the statutory criterion, some
above; Bekwai: no criterion in Ghana, the income per person alone). Idempotent: an office
that has households is left alone."""

import datetime
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Office

from ..households import services as household_services
from ..households.selectors import last_full_month
from ..models import Case, Household, Stage
from .names import NAMES

# Per household: the members besides the client (relationship to the head, sex, age) and the
# month's incomes (member index, 0 = the client; source; amount in the office's currency).
# Sochaczew's criteria from 2025: 823 zł per person in a family, 1010 zł for a person alone.
PLANS: dict[str, list[tuple[list[tuple[str, str, int]], list[tuple[int, str, str]]]]] = {
    "PL": [
        # 3 people, 2 100 zł: 700 zł per person, below 823 zł
        (
            [("spouse", "", 41), ("child", "", 9)],
            [(0, "employment", "1500.00"), (1, "benefits", "600.00")],
        ),
        # 4 people, 4 700 zł: 1 175 zł per person, above 823 zł
        (
            [("spouse", "", 44), ("child", "female", 15), ("child", "male", 12)],
            [(0, "employment", "4200.00"), (1, "alimony", "500.00")],
        ),
        # alone, 950 zł pension: below 1 010 zł
        ([], [(0, "pension", "950.00")]),
        # 2 people, 2 400 zł: 1 200 zł per person, above 823 zł
        ([("parent", "female", 71)], [(0, "employment", "2400.00")]),
    ],
    "GH": [
        (
            [("spouse", "", 38), ("child", "", 7)],
            [(0, "farming", "900.00"), (1, "self_employment", "600.00")],
        ),
        ([("grandchild", "", 11)], [(0, "pension", "450.00")]),
    ],
}
OPPOSITE = {"female": "male", "male": "female", "unknown": "female"}


def _family_name(country: str, client_family: str, sex: str) -> str:
    """The client's family name in the member's form (Polish: Kowalski / Kowalska)."""
    names: Any = NAMES[country]
    families = names["family"]
    for entry in families:
        if isinstance(entry, tuple) and client_family in entry:
            return entry[1] if sex == "female" else entry[0]
    return client_family


def _cases_for_households(office: Office, count: int) -> list[Case]:
    """Open cases of the office's first caseworker with an owner (so the demo login sees
    them), assessments first: the assessment page shows the income line too."""
    cases = (
        Case.objects.filter(office=office, owner__isnull=False, person__memberships__isnull=True)
        .exclude(stage=Stage.CLOSED)
        .select_related("person", "owner", "office")
        .order_by("owner__username", "pk")
    )
    ranked = sorted(cases[:200], key=lambda c: (c.stage != Stage.ASSESSMENT, c.pk))
    return ranked[:count]


def seed_office_households(office: Office) -> int:
    country = office.jurisdiction if office.jurisdiction in PLANS else "GH"
    if Household.objects.filter(office=office).exists():
        return 0
    plans = PLANS[country]
    today = timezone.localdate(timezone=office.tzinfo)
    since = today - datetime.timedelta(days=400)
    months = [last_full_month(today)]
    months.append(last_full_month(months[0]))
    created = 0
    for index, case in enumerate(_cases_for_households(office, len(plans))):
        members, incomes = plans[index]
        rng = random.Random(f"{office.code}-household-{index}")
        actor = case.owner
        assert actor is not None  # owned cases only
        names: Any = NAMES[country]
        with transaction.atomic():
            household = household_services.household_create_for(
                case=case, actor=actor, from_date=since
            )
            people = [case.person]
            for relationship, sex, age in members:
                sex = sex or OPPOSITE[case.person.sex]
                member = household_services.member_add(
                    case=case,
                    household=household,
                    actor=actor,
                    relationship_to_head=relationship,
                    from_date=since,
                    given_name=rng.choice(names[sex]),
                    family_name=_family_name(country, case.person.family_name, sex),
                    date_of_birth=today - datetime.timedelta(days=age * 365 + rng.randint(0, 300)),
                )
                people.append(member.person)
            for month in months:
                household_services.income_month_set(
                    case=case,
                    household=household,
                    actor=actor,
                    month=month,
                    rows=[
                        {
                            "person_id": people[who].pk,
                            "source": source,
                            "amount": Decimal(amount),
                            "note": "",
                        }
                        for who, source, amount in incomes
                    ],
                )
        created += 1
    return created


def seed_households() -> str:
    counts = [
        f"{office.code}: {seed_office_households(office)}"
        for office in Office.objects.filter(code__in=["BEK", "SOC"]).order_by("code")
    ]
    return "households created " + ", ".join(counts)


__all__ = ["seed_households"]
