"""Load demo data: offices, users, then whatever each app's `demo_seeders` add. Idempotent."""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

from accounts.demo import refuse_in_production, seed_accounts


class Command(BaseCommand):
    help = "Load the demo offices, users and cases. Running it twice duplicates nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--accounts-only",
            action="store_true",
            help="Only the offices and users (seconds); the cases can follow in the background.",
        )

    def handle(self, *args, **options):
        try:
            refuse_in_production()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        created = seed_accounts()
        self.stdout.write(
            f"accounts: {created['offices']} offices and {created['users']} users created"
        )
        if options["accounts_only"]:
            return
        for config in apps.get_app_configs():
            for dotted in getattr(config, "demo_seeders", []):
                result = import_string(dotted)()
                self.stdout.write(f"{config.label}: {result}")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
