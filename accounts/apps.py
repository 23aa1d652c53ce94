"""App config: wires the role-permission sync that runs after each app's migrations."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and offices")
    default_auto_field = "django.db.models.BigAutoField"

    # Permissions each role group holds for this app's models; other apps declare theirs
    # the same way on their AppConfig and accounts.roles grants them after migrate.
    role_permissions = {
        "administrator": [
            "accounts.view_office",
            "accounts.add_office",
            "accounts.change_office",
            "accounts.view_team",
            "accounts.add_team",
            "accounts.change_team",
            "accounts.view_user",
            "accounts.add_user",
            "accounts.change_user",
        ],
        "manager": ["accounts.view_office", "accounts.view_team", "accounts.view_user"],
        "supervisor": ["accounts.view_team", "accounts.view_user"],
        "caseworker": [],
    }

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_login_failed

        from . import roles, signin_audit

        post_migrate.connect(roles.grant_declared_permissions, dispatch_uid="accounts-roles")
        # Recording only (the audit trail); axes does the counting and locking.
        user_login_failed.connect(
            signin_audit.record_failed_sign_in, dispatch_uid="accounts-sign-in-failed"
        )
        user_locked_out.connect(signin_audit.record_lockout, dispatch_uid="accounts-locked-out")
