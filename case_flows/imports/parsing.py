"""Reading a source file into records (dicts, nested for a Primero JSON export)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FORMATS = {
    "csv": gettext_lazy("CSV (our template or a mapping file)"),
    "xlsx": gettext_lazy("Excel workbook (XLSX)"),
    "primero-json": gettext_lazy("Primero v2 case export (JSON)"),
    "primero-csv": gettext_lazy("Primero v2 case export (CSV)"),
}


class SourceError(ValueError):
    """The file as a whole cannot be read (not one bad row)."""


def guess_format(filename: str) -> str:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return "xlsx"
    if name.endswith(".json"):
        return "primero-json"
    return "csv"


def _csv_records(data: bytes) -> Iterator[dict]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(_("The file is not UTF-8 text: save it as CSV UTF-8.")) from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    if not reader.fieldnames:
        raise SourceError(_("The file has no header row."))
    for row in reader:
        yield {(k or "").strip(): v for k, v in row.items()}


def _xlsx_records(data: bytes) -> Iterator[dict]:
    # openpyxl is heavy and only this reader needs it
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not XLSX
        raise SourceError(_("The file is not an Excel workbook (XLSX).")) from exc
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None)
    if not header:
        raise SourceError(_("The file has no header row."))
    names = [str(h or "").strip() for h in header]
    for values in rows:
        if values is None or all(v in (None, "") for v in values):
            continue
        yield {n: ("" if v is None else v) for n, v in zip(names, values, strict=False)}


def _json_records(data: bytes) -> Iterator[dict]:
    try:
        loaded = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SourceError(_("The file is not valid JSON.")) from exc
    if isinstance(loaded, dict):  # the API's shape: {"data": [...], "metadata": {...}}
        loaded = loaded.get("data")
    if not isinstance(loaded, list):
        raise SourceError(_("A JSON export is a list of cases (or {“data”: [...]})."))
    for record in loaded:
        # a record read through the API may keep its fields under "data"
        if isinstance(record, dict) and isinstance(record.get("data"), dict):
            record = {**record, **record["data"]}
        yield record if isinstance(record, dict) else {}


def records_read(data: bytes, file_format: str) -> Iterator[dict]:
    """The records of a file, one dict each, in file order."""
    if file_format == "xlsx":
        return _xlsx_records(data)
    if file_format == "primero-json":
        return _json_records(data)
    if file_format in ("csv", "primero-csv"):
        return _csv_records(data)
    raise SourceError(_("Unknown file format."))
