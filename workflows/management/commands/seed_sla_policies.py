"""Seed the default SLA calendars and policy packs (idempotent)."""

from django.core.management.base import BaseCommand

from workflows.sla.seed import seed_sla_policies


class Command(BaseCommand):
    help = "Create the default SLA calendars and policies that do not exist yet."

    def handle(self, *args, **options):
        created = seed_sla_policies()
        self.stdout.write(f"SLA policies created: {created}")
