"""A Polish caseworker records a client's household: the household, a new member, the last
full month's incomes, and sees the income per person against the criterion; at desktop and
phone widths, in Polish."""

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from case_flows.households.selectors import last_full_month
from case_flows.models import Case, HouseholdMember, Income

from .conftest import wider_than_screen

pytestmark = pytest.mark.browser


def pl(text: str) -> str:
    """The words as a Polish reader sees them (English until the translation is merged)."""
    with translation.override("pl"):
        return translation.gettext(text)


def test_caseworker_adds_a_member_and_an_income_and_sees_the_comparison(person):
    cases = list(
        Case.objects.filter(office__code="SOC", owner__username="pracownik")
        .exclude(stage="closed")
        .filter(person__memberships__isnull=True)  # the demo's households are for others
        .select_related("person")
        .order_by("pk")[:2]
    )
    assert len(cases) == 2, "the demo gives the Polish caseworker cases without a household"
    month = last_full_month(timezone.localdate())
    with translation.override("pl"):
        month_name = formats.date_format(month, "YEAR_MONTH_FORMAT")
    for width, case in zip((1280, 375), cases, strict=True):
        page = person("pracownik", width=width, language="pl")
        page.goto(f"/cases/{case.pk}/")
        page.get_by_role("link", name=pl("Household and incomes")).click()
        page.get_by_label(pl("Living there since")).fill("2024-01-01")
        page.get_by_role("button", name=pl("Record the household")).click()
        expect(page.get_by_text(pl("The household was recorded."))).to_be_visible()

        page.get_by_text(pl("Add a member"), exact=True).click()
        page.get_by_label(pl("Given name")).fill("Marek")
        page.get_by_label(pl("Family name")).fill(case.person.family_name)
        page.get_by_label(pl("Relationship to the head of household")).select_option(
            label=pl("Spouse or partner")
        )
        page.get_by_label(pl("Member since")).fill("2024-01-01")
        page.get_by_role("button", name=pl("Add the member")).click()
        expect(page.get_by_text(pl("The member was added to the household."))).to_be_visible()

        for n, (name, amount) in enumerate(
            ((str(case.person), "1000"), (f"Marek {case.person.family_name}", "280.00")), 1
        ):
            row = page.get_by_role("group", name=pl("Income %(n)s") % {"n": n})
            row.get_by_label(pl("Member")).select_option(label=name)
            row.get_by_label(pl("Amount")).fill(amount)
        page.get_by_role(
            "button", name=pl("Save the incomes of %(month)s") % {"month": month_name}
        ).click()
        sentence = page.locator(".household-income")
        expect(sentence).to_contain_text("640,00 zł")
        expect(sentence).to_contain_text("823,00 zł")
        expect(sentence).to_contain_text("Dz.U. 2024 poz. 1044")
        if width < 700:
            assert wider_than_screen(page) == []
        page.goto(f"/cases/{case.pk}/")
        expect(page.locator(".household-income")).to_contain_text("640,00 zł")
        if width < 700:
            assert wider_than_screen(page) == []
        assert HouseholdMember.objects.filter(household__members__person=case.person).count() >= 2
        assert Income.objects.filter(person=case.person, month=month).get().amount == 1000
