"""The export of a figure's list of cases as CSV or XLSX: streamed, logged (ExportLog), in
the request's language and time zone, safe against spreadsheet formulas."""

import csv
import tempfile

from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..formdefs.export import answers_by_case, columns_in_use
from ..models import ExportFormat, ExportLog, Risk, Stage
from ..spreadsheet import Echo, safe_cell
from .export_protect import encrypted_zip_stream
from .figures import FIGURES

EXPORT_FIELDS = (
    "reference",
    "person__given_name",
    "person__family_name",
    "stage",
    "risk",
    "owner__first_name",
    "owner__last_name",
    "owner__username",
    "opened_at",
    "is_overdue",
)


# Cases whose configured answers are read together (a query per stage record per batch).
ANSWERS_BATCH = 500


def _with_answers(rows, columns, language):
    """Rows (each ending with the case's id and episode) with a cell per configured column
    appended, the answers read a batch at a time, in the request's language."""
    batch: list[list] = []

    def flush():
        with translation.override(language):
            answers = answers_by_case({row[-2]: row[-1] for row in batch}, columns)
        for row in batch:
            found = answers.get(row[-2], {})
            yield row[:-2] + [safe_cell(found.get((c.stage, c.key), "")) for c in columns]
        batch.clear()

    for row in rows:
        if not columns:
            yield row[:-2]
            continue
        batch.append(row)
        if len(batch) >= ANSWERS_BATCH:
            yield from flush()
    if batch:
        yield from flush()


def _export_rows(cases, tz, log_pk, *, late: bool, now, columns=(), language=None):
    """Rows for the export, streamed in chunks; the log gets the count at the end.

    Lists of overdue work end with how late each case is, in days (a number a spreadsheet
    sorts), in the same order as the page: most late first. Then a cell per configured
    field of the forms in use (`columns`), the latest record's answer.
    """
    rows = _base_rows(cases, tz, late=late, now=now)
    count = 0
    for row in _with_answers(rows, list(columns), language):
        count += 1
        yield row
    ExportLog.objects.filter(pk=log_pk).update(row_count=count)


def _base_rows(cases, tz, *, late: bool, now):
    stages, risks = {k: str(v) for k, v in Stage.choices}, {k: str(v) for k, v in Risk.choices}
    fields = EXPORT_FIELDS + (("overdue_since",) if late else ()) + ("pk", "episode")
    for values in cases.values_list(*fields).iterator(chunk_size=2000):
        (
            reference,
            given,
            family,
            stage,
            risk,
            owner_first,
            owner_last,
            owner_username,
            opened_at,
            overdue,
        ) = values[:10]
        owner = f"{owner_first or ''} {owner_last or ''}".strip() or owner_username or ""
        row = [
            reference,
            safe_cell(f"{given} {family}"),
            stages.get(stage, stage),
            risks.get(risk, risk),
            safe_cell(owner),
            timezone.localtime(opened_at, tz).date(),
            overdue,
        ]
        if late:
            row.append(late_days(values[10], now))
        yield row + [values[-2], values[-1]]


def late_days(overdue_since, now) -> float | None:
    """Days past the deadline, to a tenth of a day."""
    if overdue_since is None:
        return None
    return round((now - overdue_since).total_seconds() / 86400, 1)


def _csv_stream(header, rows, yes, no):
    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow(header)  # the BOM tells spreadsheet programs it is UTF-8
    for row in rows:
        row[5] = row[5].isoformat()
        row[6] = yes if row[6] else no
        if len(row) > 7 and row[7] is None:
            row[7] = ""
        yield writer.writerow(row)


def _xlsx_stream(header, rows, yes, no):
    # Imported here: openpyxl is large and only this export needs it (not every request).
    from openpyxl import Workbook

    # write_only: rows go to a temporary file as they come, so memory stays flat.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(header)
    for row in rows:
        row[6] = yes if row[6] else no
        sheet.append(row)
    with tempfile.TemporaryFile() as buffer:
        workbook.save(buffer)
        buffer.seek(0)
        while chunk := buffer.read(64 * 1024):
            yield chunk


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_response(
    *, user, export_format: str, figure: str, filters, params: dict, cases, password: str = ""
) -> StreamingHttpResponse:
    """Log the export, then stream every case of the list as CSV or XLSX; with a password,
    inside an AES-encrypted zip."""
    log = ExportLog.objects.create(
        user=user,
        format=export_format,
        figure=figure,
        filters={**filters.as_dict(), "params": params},
        encrypted=bool(password),
    )
    late = FIGURES[figure].late
    # Read while the request's language and time zone are active: the stream runs later.
    header = [
        _("Reference"),
        _("Client"),
        _("Stage"),
        _("Risk"),
        _("Caseworker"),
        _("Opened"),
        _("Overdue"),
    ]
    if late:
        header.append(_("Overdue by (days)"))
    columns = columns_in_use()
    header += [safe_cell(c.label) for c in columns]
    yes, no = _("Yes"), _("No")
    rows = _export_rows(
        cases,
        timezone.get_current_timezone(),
        log.pk,
        late=late,
        now=timezone.now(),
        columns=columns,
        language=translation.get_language(),
    )
    name = f"cases-{figure}-{timezone.localdate().isoformat()}.{export_format}"
    if export_format == ExportFormat.CSV:
        stream, content_type = _csv_stream(header, rows, yes, no), "text/csv; charset=utf-8"
    else:
        stream, content_type = _xlsx_stream(header, rows, yes, no), XLSX_TYPE
    if password:
        stream = encrypted_zip_stream(stream, inner_name=name, password=password)
        content_type, name = "application/zip", f"{name}.zip"
    response = StreamingHttpResponse(stream, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
