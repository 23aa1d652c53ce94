"""The household's income told in the reader's language, in the office's currency."""

import datetime
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from ..models.decisions import OFFICE_CURRENCIES
from .selectors import (
    HouseholdIncome,
    has_incomes,
    household_income,
    household_members,
    household_of_case,
    office_last_full_month,
)

# The currency of each country's offices (ISO 4217) and how an amount is written.
SYMBOLS = {"PLN": "{amount} zł", "GHS": "GH₵ {amount}"}


def money(amount: Decimal, jurisdiction: str) -> str:
    """1234.5 in a Polish office: "1 234,50 zł" in Polish, "1,234.50 zł" in English."""
    number = formats.number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    currency = OFFICE_CURRENCIES.get(jurisdiction, "")
    return SYMBOLS.get(currency, "{amount} " + currency).format(amount=number).strip()


def month_name(month: datetime.date) -> str:
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def income_sentence(result: HouseholdIncome, month: datetime.date, jurisdiction: str) -> str:
    """ "Income per person 640.00 zł in October 2026: below the criterion of 823.00 zł
    (Dz.U. 2024 poz. 1045)." and its variants."""
    if result.per_person is None:
        return _("Nobody lived in the household in %(month)s.") % {"month": month_name(month)}
    values = {
        "amount": money(result.per_person, jurisdiction),
        "month": month_name(month),
    }
    threshold = result.threshold
    if threshold is None:
        return (
            _(
                "Income per person %(amount)s in %(month)s; "
                "no income criterion is recorded for this country."
            )
            % values
        )
    values["criterion"] = money(threshold.amount, jurisdiction)
    values["basis"] = threshold.citation or threshold.legal_basis
    if result.per_person < threshold.amount:
        sentence = _(
            "Income per person %(amount)s in %(month)s: "
            "below the criterion of %(criterion)s (%(basis)s)."
        )
    elif result.per_person == threshold.amount:
        sentence = _(
            "Income per person %(amount)s in %(month)s: "
            "equal to the criterion of %(criterion)s (%(basis)s), so within it."
        )
    else:
        sentence = _(
            "Income per person %(amount)s in %(month)s: "
            "above the criterion of %(criterion)s (%(basis)s)."
        )
    return sentence % values


def case_household_summary(case) -> dict:
    """What the case page and the assessment show: the client's household, its current
    members, and the last full month's income per person against the criterion."""
    household = household_of_case(case)
    if household is None:
        return {"household": None}
    month = office_last_full_month(case)
    summary: dict = {
        "household": household,
        "members": [m for m in household_members(household) if m.to_date is None],
        "month": month,
        "month_name": month_name(month),
        "has_incomes": has_incomes(household, month),
    }
    if summary["has_incomes"]:
        result = household_income(household, month)
        summary["result"] = result
        summary["sentence"] = income_sentence(result, month, household.office.jurisdiction)
        summary["unconfirmed"] = result.threshold is not None and not result.threshold.confirmed
    return summary
