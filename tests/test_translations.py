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
    """makemessages on the current code (as `make messages` runs it) finds no string the
    committed Polish catalogue lacks: a label changed in the code without `make messages`
    would show in English to Polish users. It runs on a copy of the catalogue, in a folder of
    links to the sources (makemessages writes to the `locale` folder it walks into)."""
    import os
    import shutil
    import sys

    committed = PO.read_bytes()
    source = tmp_path / "src"
    source.mkdir()
    skip = {"locale", ".venv", "bench", "node_modules", "build", "dist", ".git", "staticfiles"}
    for entry in ROOT.iterdir():
        if entry.name not in skip and (entry.is_dir() or entry.suffix == ".py"):
            (source / entry.name).symlink_to(entry)
    shutil.copytree(ROOT / "locale" / "pl", source / "locale" / "pl")
    (tmp_path / "extract_settings.py").write_text(
        "from config.settings.test import *  # noqa: F403\n"
        f"LOCALE_PATHS = [{str(source / 'locale')!r}]\n"
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "makemessages", "-l", "pl", "--symlinks"]
        + ["--ignore=node_modules", "--no-obsolete"],
        cwd=source,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "extract_settings",
            "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}",
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert PO.read_bytes() == committed  # the committed catalogue is never written here
    assert done.returncode == 0, done.stderr[-3000:]
    extracted = source / "locale" / "pl" / "LC_MESSAGES" / "django.po"
    missing = [
        block
        for block in _entries(extracted.read_text(encoding="utf-8"))
        if "Project-Id-Version" not in block
        and (
            re.search(r"^#,.*fuzzy", block, re.M)
            or re.search(r'^msgstr(?:\[0\])? ""\n(?!")', block + "\n", re.M)
        )
    ]
    assert missing == [], (
        f"{len(missing)} source strings are not translated in locale/pl (run make messages and "
        "translate them):\n" + "\n\n".join(missing[:5])
    )
