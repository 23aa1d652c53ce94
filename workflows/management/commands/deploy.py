"""`caseflow deploy` (or `python manage.py deploy`): everything a server needs after installing
or upgrading the package, in one command (docs/install.md): migrate, compile the translations,
collect the static files, add the deadline policies that are new, check the configuration."""

import os
import shutil
from contextlib import contextmanager

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from config import __version__


@contextmanager
def _working_directory(path):
    """compilemessages walks the working directory for locale folders: keep it to ours."""
    previous = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


class Command(BaseCommand):
    help = (
        "Migrate the database, compile the translations, collect static files and add new "
        "deadline policies: run after every install or upgrade."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip-checks-deploy",
            action="store_true",
            help="Do not run Django's deployment checks at the end.",
        )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        self.stdout.write(f"Caseflow {__version__}")
        self.stdout.write("1/5 Applying database migrations")
        call_command("migrate", interactive=False, verbosity=verbosity)
        self.stdout.write("2/5 Compiling translations")
        if shutil.which("msgfmt"):
            with _working_directory(settings.SITE_DIR):
                call_command("compilemessages", verbosity=0)
        else:
            self.stdout.write("    msgfmt is not installed: using the compiled files shipped")
        if not getattr(settings, "ATTACHMENTS_S3_BUCKET", ""):
            # The attachments' folder exists from the start: backups and the disk check use it.
            settings.PRIVATE_MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"3/5 Collecting static files into {settings.STATIC_ROOT}")
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("4/5 Adding new deadline policies (existing ones are kept)")
        call_command("seed_sla_policies", verbosity=0)
        if options["skip_checks_deploy"]:
            self.stdout.write("5/5 Deployment checks skipped")
        else:
            self.stdout.write("5/5 Checking the configuration")
            call_command("check", deploy=True, fail_level="ERROR", verbosity=verbosity)
        self.stdout.write(self.style.SUCCESS(f"Caseflow {__version__} is ready."))
