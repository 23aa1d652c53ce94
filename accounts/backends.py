"""Authentication backend that refuses the demo password under production settings."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


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
    if user.is_superuser:
        perms = Permission.objects.all().order_by()
    else:
        perms = (
            Permission.objects.filter(user=user)
            .order_by()
            .union(Permission.objects.filter(group__user=user).order_by())
        )
    user._perm_cache = {
        f"{app_label}.{codename}"
        for app_label, codename in perms.values_list("content_type__app_label", "codename")
    }
