"""Authentication backend that refuses the demo password under production settings."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from config.compiled import CompiledQuery


class CaseflowModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if settings.REFUSE_DEMO_PASSWORDS and password == settings.DEMO_PASSWORD:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def permissions_preload(user) -> None:
    """Load what ModelBackend.get_all_permissions answers (the user's own and their groups'
    permissions; every one for a superuser) in one query instead of its two, into the cache
    it reads, unless it is loaded already. For a service that checks a fresh request user's
    permissions (a task completion); pages keep ModelBackend's own two queries."""
    if hasattr(user, "_perm_cache") or not user.is_active or user.is_anonymous:
        return
    using = user._state.db or "default"
    if user.is_superuser:
        rows = _PERMISSIONS.rows(variant="superuser", using=using)
    else:
        rows = _PERMISSIONS.rows(int(user.pk), variant="user", using=using)
    user._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}


def _permissions_of(variant: str, user_id: int = 0):
    if variant == "superuser":
        perms = Permission.objects.all().order_by()
    else:
        # the permissions given directly or through a group: two IN lists, which PostgreSQL
        # plans in about half the time of the UNION of two joins (the same rows)
        user_model = get_user_model()
        direct = user_model.user_permissions.through.objects.filter(user_id=user_id)
        grouped = Group.permissions.through.objects.filter(group__user__id=user_id)
        perms = Permission.objects.filter(
            Q(pk__in=direct.values("permission_id")) | Q(pk__in=grouped.values("permission_id"))
        ).order_by()
    return perms.values_list("content_type__app_label", "codename")


# its SQL compiled once (config.compiled): read on every task completion
_PERMISSIONS = CompiledQuery(_permissions_of)
