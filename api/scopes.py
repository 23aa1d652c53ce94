"""Token scopes: `read` or `write` per resource family (`cases:read`, `tasks:write`, ...).

A view names its family (`scope_family = "cases"`); a safe method needs `<family>:read`, any
other `<family>:write`. `write` does not imply `read`. A signed-in session (the browsable
documentation) is not a token and is refused: the API is for tokens only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

if TYPE_CHECKING:  # django-stubs is a development dependency
    from django_stubs_ext import StrOrPromise

FAMILIES = {
    "people": _("people and their relatives"),
    "cases": _("cases, their records and timeline"),
    "tasks": _("the inbox, the team queue and tasks"),
    "approvals": _("approvals"),
    "referrals": _("referrals and providers' answers"),
    "transfers": _("transfers"),
    "dashboard": _("the dashboard's figures"),
    "notifications": _("notifications"),
}


# Families no endpoint changes: only `<family>:read` is offered.
READ_ONLY_FAMILIES = frozenset({"dashboard"})


def scope_choices() -> dict[str, StrOrPromise]:
    """Every scope with its description, for the OAuth provider and the token form."""
    scopes: dict[str, StrOrPromise] = {}
    for family, what in FAMILIES.items():
        scopes[f"{family}:read"] = format_lazy(_("Read {what}"), what=what)
        if family not in READ_ONLY_FAMILIES:
            scopes[f"{family}:write"] = format_lazy(_("Change {what}"), what=what)
    return scopes


def required_scope(family: str, method: str) -> str:
    return f"{family}:{'read' if method in SAFE_METHODS else 'write'}"


class TokenHasFamilyScope(BasePermission):
    """The token carries the scope the view's family and the request's method need. Refused:
    403, code `insufficient_scope`, the detail naming the scope."""

    message: StrOrPromise = _("This token does not have the scope this request needs.")
    code = "insufficient_scope"

    def has_permission(self, request, view) -> bool:
        token = request.auth
        family = getattr(view, "scope_family", None)
        if token is None or family is None:
            return False
        if not request.user or not request.user.is_authenticated or not request.user.is_active:
            return False
        granted = set((getattr(token, "scope", "") or "").split())
        needed = required_scope(family, request.method)
        if needed in granted:
            return True
        # DRF reads the message from the instance it asked (one per request).
        self.message = format_lazy(
            _("This token does not have the scope {scope} that this request needs."),
            scope=needed,
        )
        return False
