"""Sign-in hook: decide once what the new session owes (the second step, an enrolment or
nothing), so that no page pays a query for it; and a system check of the setting."""

from django.conf import settings
from django.core import checks

from ..models import Role
from . import state
from .rules import SUPERUSER


def second_factor_on_sign_in(sender, request=None, user=None, **kwargs) -> None:
    """user_logged_in receiver (connected in AccountsConfig.ready)."""
    if request is not None and hasattr(request, "session") and user is not None:
        state.session_start(request, user)


@checks.register(checks.Tags.security)
def check_required_roles(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    known = {*Role.values, SUPERUSER}
    unknown = sorted(set(settings.TWO_FACTOR_REQUIRED_ROLES) - known)
    if not unknown:
        return []
    return [
        checks.Error(
            f"TWO_FACTOR_REQUIRED_ROLES names unknown roles: {', '.join(unknown)}.",
            hint=f"Use some of: {', '.join(sorted(known))}.",
            id="accounts.E201",
        )
    ]
