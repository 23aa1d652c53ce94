"""Role groups and the permissions each app declares for them."""

import logging

from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission

from .models import Role

logger = logging.getLogger(__name__)


def ensure_role_groups() -> dict[str, Group]:
    return {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}


def grant_declared_permissions(sender, app_config=None, using="default", apps=None, **kwargs):
    """post_migrate: grant the permissions the migrated app declares in `role_permissions`.

    Runs after auth has created that app's permissions (auth's handler connects first),
    so a later app's permissions are granted when that app migrates. Only adds: an
    administrator's manual grants survive.
    """
    config = app_config or sender
    declared = getattr(config, "role_permissions", None)
    if not declared:
        return
    if not global_apps.is_installed("django.contrib.auth"):
        return
    groups = ensure_role_groups()
    for role, perm_names in declared.items():
        perms = []
        for name in perm_names:
            app_label, codename = name.split(".", 1)
            perm = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if perm is None:
                logger.warning("Role %s: permission %s does not exist", role, name)
                continue
            perms.append(perm)
        groups[role].permissions.add(*perms)
