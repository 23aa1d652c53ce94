"""manage.py import_caseload FILE --office CODE: people, households and cases from CSV/XLSX or
a Primero v2 export (docs/migration.md)."""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Office, User
from case_flows.imports.mapping import MappingError, mapping_for, mapping_load
from case_flows.imports.parsing import FORMATS, SourceError, guess_format, records_read
from case_flows.imports.report import report_write
from case_flows.imports.services import caseload_import


class Command(BaseCommand):
    help = "Import people and cases from a CSV/XLSX file or a Primero v2 export."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--office", required=True, help="the office's code")
        parser.add_argument("--format", choices=sorted(FORMATS), help="default: from the name")
        parser.add_argument("--mapping", help="a mapping file (JSON); default: the format's own")
        parser.add_argument("--dry-run", action="store_true", help="report only, change nothing")
        parser.add_argument("--report", help="write the per-row report to this CSV file")
        parser.add_argument("--user", help="who imports (recorded on the timeline)")

    def handle(self, *args, **opts):
        office = Office.objects.filter(code=opts["office"]).first()
        if office is None:
            raise CommandError(f"No office with the code {opts['office']!r}.")
        actor = self._actor(opts.get("user"), office)
        file_format = opts["format"] or guess_format(opts["file"])
        try:
            mapping = (
                mapping_load(Path(opts["mapping"]).read_text(encoding="utf-8"))
                if opts["mapping"]
                else mapping_for(file_format)
            )
            data = Path(opts["file"]).read_bytes()
            report = caseload_import(
                records=records_read(data, file_format),
                office=office,
                actor=actor,
                mapping=mapping,
                dry_run=opts["dry_run"],
                first_row=1 if file_format == "primero-json" else 2,
            )
        except (OSError, MappingError, SourceError) as exc:
            raise CommandError(str(exc)) from exc
        if opts["report"]:
            with open(opts["report"], "w", newline="", encoding="utf-8") as out:
                report_write(report, csv.writer(out))
        counts = report.counts
        self.stdout.write(
            ("DRY RUN (nothing saved): " if report.dry_run else "")
            + ", ".join(f"{k} {v}" for k, v in counts.items())
            + f"; {len(report.results)} rows in {report.seconds:.1f} s"
            + f" ({report.rows_per_second:.1f} rows/s)"
        )
        for r in report.results:
            if r.outcome == "error":
                self.stdout.write(f"row {r.row} {r.external_ref}: {r.message}")

    def _actor(self, username, office) -> User:
        users = User.objects.filter(is_active=True)
        actor = (
            users.filter(username=username).first()
            if username
            else users.filter(is_superuser=True).order_by("pk").first()
            or users.filter(home_office=office, groups__name="manager").order_by("pk").first()
        )
        if actor is None:
            raise CommandError("Name the importing user with --user USERNAME.")
        return actor
