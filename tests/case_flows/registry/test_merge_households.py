"""Merging two records of a person moves the merged record's household memberships and
incomes to the kept one, and an undo moves them back; two current memberships, or the same
income twice, are a conflict that changes nothing."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Role
from case_flows.models import Household, HouseholdMember, Income
from case_flows.registry.merge import people_merge, people_merge_undo
from tests.factories import make_person, make_user
from workflows.errors import Conflict

pytestmark = pytest.mark.django_db

MAY = datetime.date(2025, 5, 1)


def _household(office, person, *, to_date=None, note=""):
    home = Household.objects.create(office=office, address="ul. Lipowa 3")
    HouseholdMember.objects.create(
        household=home,
        person=person,
        relationship_to_head="head",
        from_date=datetime.date(2024, 1, 1),
        to_date=to_date,
    )
    Income.objects.create(
        household=home, person=person, month=MAY, amount=Decimal("900"), source="pension"
    )
    return home


def test_households_move_with_the_merge_and_back_with_the_undo(office, supervisor):
    kept = make_person(office, "Jan", "Wiśniewski")
    merged = make_person(office, "Janek", "Wiśniewski")
    home = _household(office, merged)
    merge = people_merge(actor=supervisor, source=merged, target=kept, choices={})
    assert HouseholdMember.objects.get(household=home).person_id == kept.pk
    assert Income.objects.get(household=home).person_id == kept.pk
    admin = make_user(Role.ADMINISTRATOR, office, username="merge-admin")
    people_merge_undo(actor=admin, merge=merge)
    assert HouseholdMember.objects.get(household=home).person_id == merged.pk
    assert Income.objects.get(household=home).person_id == merged.pk


def test_two_current_households_are_a_conflict_and_nothing_changes(office, supervisor):
    kept = make_person(office, "Anna", "Zielińska")
    merged = make_person(office, "Ania", "Zielińska")
    _household(office, kept)
    theirs = _household(office, merged)
    with pytest.raises(Conflict, match="Both people are members of a household now"):
        people_merge(actor=supervisor, source=merged, target=kept, choices={})
    assert HouseholdMember.objects.get(household=theirs).person_id == merged.pk
    merged.refresh_from_db()
    assert merged.merged_into_id is None
