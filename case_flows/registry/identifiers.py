"""National identifiers: normalise and check a number for its IdentifierKind.

The kinds are rows (case_flows.models.IdentifierKind); `validator` names one of the checks
below, so a new country is added in the admin with "regex" and its pattern, or here with a
checksum when it has one. A check returns the normalised number or raises IdentifierError
with a translated message; PESEL also says what it encodes (date of birth, sex).
"""

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ..models import IdentifierKind, Sex


class IdentifierError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Decoded:
    """What a number says about its holder (PESEL: date of birth and sex)."""

    date_of_birth: datetime.date | None = None
    sex: str = ""


PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
# PESEL adds to the month to tell the century: 1800s +80, 1900s +0, 2000s +20, 2100s +40,
# 2200s +60.
PESEL_CENTURIES = {80: 1800, 0: 1900, 20: 2000, 40: 2100, 60: 2200}


def pesel_normalise(number: str) -> str:
    return re.sub(r"[\s-]", "", number or "")


def pesel_check(number: str) -> str:
    pesel = pesel_normalise(number)
    if not re.fullmatch(r"\d{11}", pesel):
        raise IdentifierError(_("A PESEL number has 11 digits."))
    total = sum(int(d) * w for d, w in zip(pesel[:10], PESEL_WEIGHTS, strict=True))
    if (10 - total % 10) % 10 != int(pesel[10]):
        raise IdentifierError(_("This PESEL number is not valid: its check digit is wrong."))
    if pesel_decode(pesel).date_of_birth is None:
        raise IdentifierError(_("This PESEL number is not valid: it encodes no real date."))
    return pesel


def pesel_decode(pesel: str) -> Decoded:
    year, month, day = int(pesel[0:2]), int(pesel[2:4]), int(pesel[4:6])
    offset = (month - 1) // 20 * 20
    century = PESEL_CENTURIES.get(offset)
    sex = Sex.MALE if int(pesel[9]) % 2 else Sex.FEMALE
    if century is None:
        return Decoded(sex=sex)
    try:
        born = datetime.date(century + year, month - offset, day)
    except ValueError:
        return Decoded(sex=sex)
    return Decoded(date_of_birth=born, sex=sex)


def ghana_card_check(number: str) -> str:
    """GHA-#########-#: letters any case, spaces or missing hyphens tolerated."""
    compact = re.sub(r"[\s-]", "", number or "").upper()
    match = re.fullmatch(r"GHA(\d{9})(\d)", compact)
    if not match:
        raise IdentifierError(
            _("A Ghana Card number looks like GHA-123456789-0 (GHA, 9 digits, 1 digit).")
        )
    return f"GHA-{match.group(1)}-{match.group(2)}"


def regex_check(kind: IdentifierKind, number: str) -> str:
    value = re.sub(r"\s", "", number or "").upper()
    if kind.pattern and not re.fullmatch(kind.pattern, value, flags=re.IGNORECASE):
        raise IdentifierError(_("This is not a valid %(kind)s number.") % {"kind": kind})
    return value


def identifier_normalise(kind: IdentifierKind | None, number: str) -> str:
    """The number as stored and matched; raises IdentifierError when it is not valid."""
    number = (number or "").strip()
    if not number or kind is None:
        return number
    if kind.validator == IdentifierKind.Validator.PESEL:
        return pesel_check(number)
    if kind.validator == IdentifierKind.Validator.GHANA_CARD:
        return ghana_card_check(number)
    return regex_check(kind, number)


def identifier_decode(kind: IdentifierKind | None, number: str) -> Decoded:
    """What a valid, normalised number encodes (nothing for most kinds)."""
    if kind is not None and kind.validator == IdentifierKind.Validator.PESEL and number:
        return pesel_decode(number)
    return Decoded()


def identifier_kinds_for(jurisdiction: str | None):
    """Active kinds, the office's country first (its first one is the form's default)."""
    kinds = list(IdentifierKind.objects.filter(active=True))
    kinds.sort(key=lambda k: (k.jurisdiction != jurisdiction, k.order, k.name))
    return kinds
