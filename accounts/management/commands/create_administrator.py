"""`caseflow create_administrator`: the first national administrator of a new installation
(docs/install.md). They sign in, set up their two-step sign-in, then create the offices and
invite the staff from the pages."""

import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import Role, User
from accounts.roles import ensure_role_groups


class Command(BaseCommand):
    help = "Create a national administrator (asks for the password, or reads it from stdin)."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from the first line of standard input (for scripts).",
        )

    def _password(self, options, user: User) -> str:
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        return password

    def handle(self, *args, **options):
        username = options["username"].strip()
        try:
            validate_email(options["email"])
        except ValidationError as error:
            raise CommandError(f"{options['email']!r} is not an e-mail address.") from error
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"A user named {username!r} exists already: nothing changed.")
        user = User(
            username=username,
            email=options["email"],
            first_name=options["first_name"],
            last_name=options["last_name"],
            is_staff=True,
            is_superuser=True,
            is_national=True,
        )
        user.set_password(self._password(options, user))
        with transaction.atomic():
            user.save()
            user.groups.add(ensure_role_groups()[Role.ADMINISTRATOR])
        self.stdout.write(
            self.style.SUCCESS(
                f"National administrator {username!r} created: sign in, set up the two-step "
                "sign-in, then add the offices and invite the staff."
            )
        )
