"""Back this installation up and restore the backup into a new database and folder, then check
the copy is whole (docs/operations.md, "The restore drill"). Exit status 1 on any difference."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from workflows.restore_drill import RestoreDrillError, restore_drill_run


class Command(BaseCommand):
    help = (
        "Dump the database (pg_dump -Fc) and the attachment store, restore both into a new "
        "database and folder, and compare them: row counts, triggers, each case's timeline, "
        "each attachment's checksum, a case page. Drops what it made unless --keep."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--target",
            help="the database to restore into (must not exist; default <database>_restore_drill)",
        )
        parser.add_argument(
            "--work-dir",
            type=Path,
            help="where the dump, the archive and the restored files go (default: a temporary "
            "folder; it needs room for a compressed copy of everything)",
        )
        parser.add_argument(
            "--keep",
            action="store_true",
            help="keep the restored database and folder (and the backup files) to look at",
        )

    def handle(self, *args, **options):
        try:
            drill = restore_drill_run(
                target_database=options["target"],
                work_dir=options["work_dir"],
                keep=options["keep"],
            )
        except RestoreDrillError as exc:
            raise CommandError(f"The restore drill could not run: {exc}") from exc
        self.stdout.write(f"Restore drill: {drill.source_database} -> {drill.target_database}")
        if drill.attachments_root is None:
            self.stdout.write(
                "Attachments are in an S3-compatible bucket: not copied; each attachment's "
                "object is checked in the bucket (back the bucket up with its own versioning "
                "or replication)."
            )
        else:
            self.stdout.write(f"Attachments: {drill.attachments_root}")
        for finding in drill.findings:
            mark = self.style.SUCCESS("ok  ") if finding.ok else self.style.ERROR("FAIL")
            self.stdout.write(f"  {mark} {finding.check}: {finding.detail}")
        if options["keep"]:
            self.stdout.write(f"Kept: database {drill.target_database}, files in {drill.work_dir}")
        if drill.failed:
            raise CommandError(f"The restore drill FAILED: {len(drill.failed)} check(s) differ.")
        self.stdout.write(self.style.SUCCESS("The restore drill passed."))
