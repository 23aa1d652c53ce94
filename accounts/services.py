"""Writes on users and offices."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import User


@transaction.atomic
def user_set_language(*, user: User, actor: User, language: str) -> User:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language."))
    if actor.pk != user.pk and not actor.is_superuser:
        raise PermissionError(_("You can change only your own language."))
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    return user
