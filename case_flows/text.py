"""Text normalisation for search: accent-insensitive names and digits-only phones."""

import re
import unicodedata

# Letters that NFKD does not decompose into base letter + accent.
_SPECIAL = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss"})


def fold(text: str) -> str:
    """Lower-case, accent-free form: 'Żółkiewski' -> 'zolkiewski'."""
    text = (text or "").translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", stripped).strip().lower()


def digits(text: str) -> str:
    return re.sub(r"\D", "", text or "")
