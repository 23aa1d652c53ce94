from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from .lockout import sign_in_serialise


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The username or password is not correct. Both are case-sensitive."),
        "inactive": _("This account is disabled. Ask your administrator."),
    }

    def clean(self):
        """Sign-ins to one username are checked one at a time (accounts.lockout), and what they
        record (the failure, the lockout, the audit rows) is kept when the form then refuses."""
        if connection.vendor != "postgresql":
            # The embedded SQLite writes one at a time anyway; a transaction here would take its
            # write lock before the password is checked, and wait behind the demo loader.
            return super().clean()
        refused = None
        with transaction.atomic():
            sign_in_serialise(self.cleaned_data.get("username") or "")
            try:
                return super().clean()
            except ValidationError as error:
                refused = error
        raise refused
