"""The household page, the case page's section and the assessment's income line: what a
caseworker sees, bad input (a message, nothing changed), who may read and change."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from case_flows.cases.access import case_access_grant, case_restrict
from case_flows.cases.services import person_link_relative
from case_flows.households import selectors, services
from case_flows.models import CaseEvent, EventKind, HouseholdMember, Income

from ...factories import make_person
from ...steps import complete_intake, open_task
from .conftest import SINCE


def last_month():
    return selectors.last_full_month(timezone.localdate())


@pytest.fixture
def household(w):
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


def url(w, name="household", *args):
    return reverse(name, args=[w.case.pk, *args])


def income_post(month, rows):
    data = {
        "month": f"{month:%Y-%m}",
        "income-TOTAL_FORMS": str(len(rows)),
        "income-INITIAL_FORMS": "0",
    }
    for i, (person, source, amount) in enumerate(rows):
        data.update(
            {f"income-{i}-person": person.pk, f"income-{i}-source": source}
            | {f"income-{i}-amount": amount, f"income-{i}-note": ""}
        )
    return data


def test_create_add_record_and_see_the_comparison_in_polish(client, w):
    client.force_login(w.caseworker)
    response = client.post(url(w, "household_create"), {"address": "", "from_date": "2024-01-01"})
    assert response.status_code == 302
    response = client.post(
        url(w, "household_member_add"),
        {"relative": w.spouse.pk, "relationship_to_head": "spouse", "lives_here": "on"}
        | {"from_date": "2024-01-01"},
    )
    assert response.status_code == 302
    month = last_month()
    rows = [(w.case.person, "employment", "1000"), (w.spouse, "pension", "280.00")]
    response = client.post(url(w, "household_incomes"), income_post(month, rows))
    assert response.status_code == 302
    assert Income.objects.filter(month=month).count() == 2
    client.cookies["django_language"] = "pl"
    page = client.get(url(w), HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert "640,00 zł" in page and "823,00 zł" in page and "Dz.U. 2024 poz. 1044" in page
    case_page = client.get(url(w, "case_detail"), HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert "640,00 zł" in case_page and "Jan Nowak" in case_page
    kinds = CaseEvent.objects.filter(case=w.case, kind=EventKind.HOUSEHOLD)
    assert set(kinds.values_list("transition", flat=True)) == {
        "household_created",
        "member_added",
        "income_recorded",
    }


def test_a_new_person_joins_by_name(client, w, household):
    client.force_login(w.caseworker)
    response = client.post(
        url(w, "household_member_add"),
        {"given_name": "Ola", "family_name": "Nowak", "relationship_to_head": "child"}
        | {"lives_here": "on", "from_date": "2024-02-01"},
    )
    assert response.status_code == 302
    assert HouseholdMember.objects.filter(household=household, person__given_name="Ola").exists()


@pytest.mark.parametrize(
    "amount, month, status",
    [("-5", None, 400), ("10", "2026-13", 400), ("10", "October", 400)],
)
def test_bad_income_is_a_message_and_nothing_changes(client, w, household, amount, month, status):
    client.force_login(w.caseworker)
    data = income_post(last_month(), [(w.spouse, "pension", amount)])
    if month:
        data["month"] = month
    response = client.post(url(w, "household_incomes"), data)
    assert response.status_code == status
    assert not Income.objects.exists()
    assert not CaseEvent.objects.filter(transition="income_recorded").exists()


def test_a_bad_month_in_the_address_is_a_message(client, w, household):
    client.force_login(w.caseworker)
    response = client.get(url(w) + "?month=2026-99")
    assert response.status_code == 400
    assert "Give a month as year and month" in response.content.decode()


def test_moving_out_before_joining_is_refused(client, w, household):
    client.force_login(w.caseworker)
    member = HouseholdMember.objects.get(person=w.spouse)
    response = client.post(url(w, "household_move_out", member.pk), {"to_date": "2023-12-31"})
    assert response.status_code == 400
    assert "cannot be before they joined" in response.content.decode()
    member.refresh_from_db()
    assert member.to_date is None


def test_someone_in_another_household_is_offered_a_move(client, w, household):
    other = make_person(w.office, "Piotr", "Nowak")
    services.household_create_for(case=w.gh_case, actor=w.gh_caseworker, from_date=SINCE)
    HouseholdMember.objects.filter(person=w.gh_case.person).update(person=other)
    client.force_login(w.caseworker)
    person_link_relative(
        actor=w.caseworker, person=w.case.person, relative=other, relationship="sibling"
    )
    data = {"relative": other.pk, "relationship_to_head": "sibling", "lives_here": "on"}
    data["from_date"] = "2025-05-01"
    response = client.post(url(w, "household_member_add"), data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "already lives in another household" in page and "Move them to this household" in page
    assert HouseholdMember.objects.filter(person=other, to_date__isnull=True).count() == 1
    response = client.post(url(w, "household_member_add"), data | {"move": "on"})
    assert response.status_code == 302
    assert HouseholdMember.objects.get(person=other, household=household).to_date is None
    closed = HouseholdMember.objects.get(person=other, to_date__isnull=False)
    assert closed.to_date == datetime.date(2025, 4, 30)


def test_a_caseworker_not_on_the_case_gets_404(client, w, household):
    client.force_login(w.outsider)
    assert client.get(url(w)).status_code == 404
    response = client.post(url(w, "household_incomes"), income_post(last_month(), []))
    assert response.status_code == 404


def test_a_restricted_case_keeps_working_and_a_reader_only_reads(client, w, household):
    case_restrict(case=w.case, actor=w.caseworker, reason="Domestic violence")
    case_access_grant(case=w.case, actor=w.caseworker, user=w.outsider, reason="Second opinion")
    client.force_login(w.caseworker)
    rows = [(w.spouse, "pension", "300")]
    response = client.post(url(w, "household_incomes"), income_post(last_month(), rows))
    assert response.status_code == 302 and Income.objects.count() == 1
    client.force_login(w.outsider)
    page = client.get(url(w))
    assert page.status_code == 200 and "Jan Nowak" in page.content.decode()
    assert url(w, "household_incomes") not in page.content.decode()  # no form to change it
    rows = [(w.spouse, "pension", "999")]
    response = client.post(url(w, "household_incomes"), income_post(last_month(), rows))
    assert response.status_code == 403
    assert Income.objects.get().amount == Decimal("300.00")


def test_household_page_queries_are_bounded(client, w, household, django_assert_max_num_queries):
    month = last_month()
    for i in range(6):
        person = make_person(w.office, f"Dziecko{i}", "Nowak")
        services.member_add(
            case=w.case,
            household=household,
            actor=w.caseworker,
            person=person,
            relationship_to_head="child",
            from_date=SINCE,
        )
        services.income_record(
            case=w.case,
            household=household,
            actor=w.caseworker,
            person=person,
            month=month,
            source="benefits",
            amount=Decimal("100"),
        )
    client.force_login(w.caseworker)
    client.get(url(w))  # warm the session and permission caches
    with django_assert_max_num_queries(20) as captured:
        response = client.get(url(w))
    assert response.content.decode().count("Dziecko") >= 6
    print("household page queries:", len(captured))


def test_the_assessment_shows_the_income_line(client, w, household):
    complete_intake(w.case, w.caseworker)
    task = open_task(w.case, "assess")
    client.force_login(w.caseworker)
    page = client.get(reverse("task", args=[task.pk])).content.decode()
    assert "No household income recorded" in page and url(w) in page
    services.income_record(
        case=w.case,
        household=household,
        actor=w.caseworker,
        person=w.spouse,
        month=last_month(),
        source="pension",
        amount=Decimal("2000"),
    )
    page = client.get(reverse("task", args=[task.pk])).content.decode()
    assert "Income per person 1,000.00 zł" in page and "above the criterion" in page
