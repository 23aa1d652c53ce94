"""Households: one current membership per person, moving with history, and the income per
person against the Polish criterion (single vs family, by date); none in Ghana."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from case_flows.households import selectors, services
from case_flows.households.text import income_sentence
from case_flows.models import CaseEvent, EventKind, HouseholdMember, Income

from ...factories import make_person
from .conftest import SINCE

OCT_2024 = datetime.date(2024, 10, 1)
OCT_2025 = datetime.date(2025, 10, 1)


def household_of_two(w):
    household = services.household_create_for(case=w.case, actor=w.caseworker, from_date=SINCE)
    services.member_add(
        case=w.case,
        household=household,
        actor=w.caseworker,
        person=w.spouse,
        relationship_to_head="spouse",
        from_date=SINCE,
    )
    return household


def record(w, household, person, month, amount, source="employment"):
    return services.income_record(
        case=w.case,
        household=household,
        actor=w.caseworker,
        person=person,
        month=month,
        source=source,
        amount=Decimal(amount),
    )


def test_one_current_membership_per_person_is_a_database_rule(w):
    household = household_of_two(w)
    other = services.household_create_for(case=w.gh_case, actor=w.gh_caseworker)
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdMember.objects.create(
            household=other, person=w.spouse, relationship_to_head="other", from_date=SINCE
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdMember.objects.filter(household=household, person=w.spouse).update(
            to_date=SINCE - datetime.timedelta(days=1)
        )


def test_moving_closes_the_old_membership_the_day_before(w):
    household_of_two(w)
    elsewhere = make_person(w.office, "Ewa", "Lis")
    new_home = services.household_create_for(case=w.gh_case, actor=w.gh_caseworker)
    moved = datetime.date(2025, 3, 1)
    with pytest.raises(services.InAnotherHousehold):
        services.member_add(
            case=w.gh_case,
            household=new_home,
            actor=w.gh_caseworker,
            person=w.spouse,
            relationship_to_head="other",
            from_date=moved,
        )
    assert HouseholdMember.objects.get(person=w.spouse).to_date is None  # nothing changed
    services.member_add(
        case=w.gh_case,
        household=new_home,
        actor=w.gh_caseworker,
        person=w.spouse,
        relationship_to_head="other",
        from_date=moved,
        move=True,
    )
    history = list(HouseholdMember.objects.filter(person=w.spouse).order_by("from_date"))
    assert [(m.from_date, m.to_date) for m in history] == [
        (SINCE, datetime.date(2025, 2, 28)),
        (moved, None),
    ]
    assert history[1].household == new_home
    assert CaseEvent.objects.filter(
        case=w.gh_case, kind=EventKind.HOUSEHOLD, transition="member_moved_in"
    ).exists()
    assert elsewhere.memberships.count() == 0


def test_income_per_person_against_the_family_criterion_by_date(w):
    household = household_of_two(w)
    for month in (OCT_2024, OCT_2025):
        record(w, household, w.case.person, month, "1000.00")
        record(w, household, w.spouse, month, "200.00")
        record(w, household, w.spouse, month, "80.00", source="benefits")
    result_2025 = selectors.household_income(household, OCT_2025)
    assert result_2025.total == Decimal("1280.00") and result_2025.members_counted == 2
    assert result_2025.per_person == Decimal("640.00")
    assert result_2025.threshold.amount == Decimal("823.00")
    assert result_2025.threshold.kind == "per_person" and result_2025.below_threshold is True
    result_2024 = selectors.household_income(household, OCT_2024)
    assert result_2024.threshold.amount == Decimal("600.00")
    assert result_2024.below_threshold is False
    assert income_sentence(result_2025, OCT_2025, "PL") == (
        "Income per person 640.00 zł in October 2025: below the criterion of 823.00 zł "
        "(Dz.U. 2024 poz. 1044)."
    )


def test_single_criterion_for_one_member_and_who_counts(w):
    household = household_of_two(w)
    member = HouseholdMember.objects.get(person=w.spouse)
    services.member_move_out(
        case=w.case, member=member, actor=w.caseworker, to_date=datetime.date(2024, 8, 31)
    )
    record(w, household, w.case.person, OCT_2024, "700.00")
    result = selectors.household_income(household, OCT_2024)
    assert result.members_counted == 1 and result.threshold.kind == "single"
    assert result.threshold.amount == Decimal("776.00") and result.below_threshold is True
    assert selectors.household_income(household, OCT_2025).threshold.amount == Decimal("1010.00")
    # Still there in August: counted then; a member living elsewhere is never counted.
    assert selectors.household_income(household, datetime.date(2024, 8, 1)).members_counted == 2
    HouseholdMember.objects.filter(person=w.case.person).update(lives_here=False)
    assert selectors.household_income(household, OCT_2024).members_counted == 0


def test_rounding_to_the_cent(w):
    household = household_of_two(w)
    third = make_person(w.office, "Ola", "Nowak")
    services.member_add(
        case=w.case,
        household=household,
        actor=w.caseworker,
        person=third,
        relationship_to_head="child",
        from_date=SINCE,
    )
    record(w, household, w.case.person, OCT_2025, "1000.00")
    assert selectors.household_income(household, OCT_2025).per_person == Decimal("333.33")


def test_ghana_has_no_criterion(w):
    household = services.household_create_for(
        case=w.gh_case, actor=w.gh_caseworker, from_date=SINCE
    )
    services.income_record(
        case=w.gh_case,
        household=household,
        actor=w.gh_caseworker,
        person=w.gh_case.person,
        month=OCT_2025,
        source="farming",
        amount=Decimal("450.00"),
    )
    result = selectors.household_income(household, OCT_2025)
    assert result.per_person == Decimal("450.00")
    assert result.threshold is None and result.below_threshold is None
    assert "no income criterion" in income_sentence(result, OCT_2025, "GH")
    assert "GH₵ 450.00" in income_sentence(result, OCT_2025, "GH")


@pytest.mark.parametrize(
    "month, amount, person_attr",
    [
        (OCT_2025, "-1.00", "spouse"),  # negative
        (datetime.date(2025, 10, 2), "1.00", "spouse"),  # not a month
        (datetime.date(2023, 10, 1), "1.00", "spouse"),  # before they joined
    ],
)
def test_bad_income_changes_nothing(w, month, amount, person_attr):
    household = household_of_two(w)
    with pytest.raises(services.HouseholdError):
        record(w, household, getattr(w, person_attr), month, amount)
    assert not Income.objects.exists()


def test_move_out_before_joining_is_refused(w):
    household_of_two(w)
    member = HouseholdMember.objects.get(person=w.spouse)
    with pytest.raises(services.HouseholdError):
        services.member_move_out(
            case=w.case, member=member, actor=w.caseworker, to_date=datetime.date(2023, 1, 1)
        )
    member.refresh_from_db()
    assert member.to_date is None


def test_only_those_working_on_the_case_change_it(w):
    with pytest.raises(services.NotPermitted):
        services.household_create_for(case=w.case, actor=w.outsider)
    assert not HouseholdMember.objects.exists()


def test_an_income_is_corrected_and_deleted(w):
    household = household_of_two(w)
    record(w, household, w.spouse, OCT_2025, "100.00")
    income = record(w, household, w.spouse, OCT_2025, "150.00")
    assert Income.objects.get().amount == Decimal("150.00")
    services.income_delete(case=w.case, income=income, actor=w.caseworker)
    assert not Income.objects.exists()
    assert selectors.household_income(household, OCT_2025).total == Decimal("0.00")
    transitions = CaseEvent.objects.filter(case=w.case, kind=EventKind.HOUSEHOLD).values_list(
        "transition", flat=True
    )
    assert list(transitions).count("income_recorded") == 2 and "income_deleted" in transitions
