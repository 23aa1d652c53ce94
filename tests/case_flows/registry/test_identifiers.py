"""National identifiers: PESEL's checksum and what it encodes (every century it can), the
Ghana Card's format, a pattern-only kind added as data."""

import datetime

import pytest

from case_flows.models import IdentifierKind
from case_flows.registry.identifiers import (
    IdentifierError,
    identifier_decode,
    identifier_normalise,
    pesel_check,
    pesel_decode,
)

PESEL = IdentifierKind(code="pesel", name="PESEL", jurisdiction="PL", validator="pesel")
GHANA = IdentifierKind(code="gh", name="Ghana Card", jurisdiction="GH", validator="ghana_card")


def make_pesel(born: datetime.date, serial: str = "0123") -> str:
    """A valid PESEL for `born`; the serial's last digit odd: male, even: female."""
    offset = {18: 80, 19: 0, 20: 20, 21: 40, 22: 60}[born.year // 100]
    body = f"{born.year % 100:02d}{born.month + offset:02d}{born.day:02d}{serial}"
    total = sum(int(d) * w for d, w in zip(body, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3), strict=True))
    return body + str((10 - total % 10) % 10)


def test_a_known_pesel_is_valid_and_says_a_man_born_in_1944():
    assert pesel_check(" 440514 01359 ") == "44051401359"
    decoded = pesel_decode("44051401359")
    assert decoded.date_of_birth == datetime.date(1944, 5, 14) and decoded.sex == "male"


@pytest.mark.parametrize(
    "born", [datetime.date(1899, 12, 31), datetime.date(2004, 2, 29), datetime.date(2101, 1, 1)]
)
def test_the_century_is_read_from_the_month(born):
    pesel = make_pesel(born, serial="1234")  # 4: even, a woman
    assert pesel_check(pesel) == pesel
    decoded = identifier_decode(PESEL, pesel)
    assert decoded.date_of_birth == born and decoded.sex == "female"


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("44051401358", "check digit is wrong"),
        ("4405140135", "11 digits"),
        ("4405140135X", "11 digits"),
        (make_pesel(datetime.date(1990, 1, 31)).replace("0131", "0231", 1), "check digit"),
    ],
)
def test_a_wrong_pesel_is_refused_with_a_clear_message(number, message):
    with pytest.raises(IdentifierError) as caught:
        identifier_normalise(PESEL, number)
    assert message in caught.value.message


def test_a_pesel_with_no_real_date_is_refused():
    # 31 February, with a right check digit.
    body = "9002310123"
    total = sum(int(d) * w for d, w in zip(body, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3), strict=True))
    with pytest.raises(IdentifierError, match="no real date"):
        pesel_check(body + str((10 - total % 10) % 10))


@pytest.mark.parametrize(
    "typed", ["GHA-123456789-0", "gha 123456789 0", "GHA1234567890", " gha-123456789-0 "]
)
def test_a_ghana_card_number_is_normalised(typed):
    assert identifier_normalise(GHANA, typed) == "GHA-123456789-0"


@pytest.mark.parametrize("typed", ["GHA-12345678-0", "GHB-123456789-0", "123456789-0", "GHA-1"])
def test_a_wrong_ghana_card_number_is_refused(typed):
    with pytest.raises(IdentifierError, match="GHA-123456789-0"):
        identifier_normalise(GHANA, typed)


def test_a_country_added_as_data_is_checked_by_its_pattern():
    kenya = IdentifierKind(code="ke-id", name="Kenyan ID", validator="regex", pattern=r"\d{7,8}")
    assert identifier_normalise(kenya, " 12345678 ") == "12345678"
    with pytest.raises(IdentifierError, match="Kenyan ID"):
        identifier_normalise(kenya, "12AB")
    assert identifier_decode(kenya, "12345678").date_of_birth is None


def test_no_kind_or_no_number_is_not_checked():
    assert identifier_normalise(None, " anything ") == "anything"
    assert identifier_normalise(PESEL, "  ") == ""


@pytest.mark.django_db
def test_the_migration_seeds_pesel_and_the_ghana_card():
    kinds = {k.code: (k.jurisdiction, k.validator) for k in IdentifierKind.objects.all()}
    assert kinds["pesel"] == ("PL", "pesel") and kinds["ghana-card"] == ("GH", "ghana_card")
