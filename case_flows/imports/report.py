"""The per-row report of an import, as CSV rows (the command's --report, the page's download)."""

from django.utils.translation import gettext as _

from .services import CREATED, ERROR, MATCHED, SKIPPED, ImportReport

OUTCOME_LABELS = {
    CREATED: lambda: _("created"),
    MATCHED: lambda: _("created, client matched"),
    SKIPPED: lambda: _("skipped"),
    ERROR: lambda: _("error"),
}


def report_write(report: ImportReport, writer) -> None:
    writer.writerow(
        [_("Row"), _("Outcome"), _("Source reference"), _("Case"), _("Client"), _("Message")]
    )
    for r in report.results:
        label = OUTCOME_LABELS[r.outcome]()
        writer.writerow([r.row, label, r.external_ref, r.case_reference, r.person, r.message])
