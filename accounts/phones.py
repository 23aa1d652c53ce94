"""What a phone number may look like: the check shared by the client's and the staff's phone
fields, their services (pages, API, caseload import) and forms.

Digits, with a leading + and spaces, hyphens, dots, slashes or brackets between them, 6 to 15
digits in all (E.164 has at most 15): "+233 24 123 4567", "024-123-4567", "+48 601 234 567",
"0048 (46) 862 00 00". Letters or other signs are refused with a message saying so."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_SHAPE = re.compile(r"^\+?[\d\s().\-/]+$")


def phone_problem(value: str) -> str | None:
    """None for an empty or well-formed number, else the translated message to show."""
    value = (value or "").strip()
    if not value:
        return None
    count = sum(char.isdigit() for char in value)
    if _SHAPE.match(value) and 6 <= count <= 15:
        return None
    return _(
        "Enter a phone number of 6 to 15 digits: it may start with + and have spaces or "
        "hyphens between the digits (for example +233 24 123 4567)."
    )


def validate_phone(value: str) -> None:
    """A form field's validator."""
    problem = phone_problem(value)
    if problem:
        raise ValidationError(problem, code="phone")
