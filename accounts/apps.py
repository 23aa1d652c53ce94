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
        from django.contrib.auth.signals import user_logged_in, user_login_failed
        from django.core import checks

        # sessions: its sign-in receiver starts each session's lifetime.
        from . import roles, sessions, signin_audit, sso  # noqa: F401
        from .second_factor import signals as second_factor_signals

        checks.register(sso.sso_settings_check, checks.Tags.security)
        checks.register(sso.sso_deploy_check, checks.Tags.security, deploy=True)

        post_migrate.connect(roles.grant_declared_permissions, dispatch_uid="accounts-roles")
        user_logged_in.connect(
            second_factor_signals.second_factor_on_sign_in, dispatch_uid="accounts-second-factor"
        )
        # Recording only (the audit trail); axes does the counting and locking.
        user_login_failed.connect(
            signin_audit.record_failed_sign_in, dispatch_uid="accounts-sign-in-failed"
        )
        user_locked_out.connect(signin_audit.record_lockout, dispatch_uid="accounts-locked-out")
