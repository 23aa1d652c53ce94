"""Who must use a second factor, and who may reset another person's."""

from django.conf import settings
from django.db.models import QuerySet

from ..models import Role, User

SUPERUSER = "superuser"  # the pseudo-role of TWO_FACTOR_REQUIRED_ROLES for superusers


def second_factor_required(user: User) -> bool:
    """Whether this person's role obliges them to use a second factor."""
    required = set(settings.TWO_FACTOR_REQUIRED_ROLES)
    if not required:
        return False
    if user.is_superuser and SUPERUSER in required:
        return True
    return bool(required & user.role_names)


def may_reset_second_factors(actor: User) -> bool:
    """Administrators (and superusers) reset anyone's; a manager those of their office."""
    return actor.is_active and (
        actor.is_superuser
        or actor.has_role(Role.ADMINISTRATOR)
        or (actor.has_role(Role.MANAGER) and actor.home_office_id is not None)
    )


def resettable_users(actor: User) -> QuerySet[User]:
    """The people whose second factor `actor` may see to reset: everyone for an
    administrator, their own office's staff for a manager, nobody otherwise. Someone outside
    it is a 404 to the actor, not a refusal that would tell them the account exists."""
    if not may_reset_second_factors(actor):
        return User.objects.none()
    if actor.is_superuser or actor.has_role(Role.ADMINISTRATOR):
        return User.objects.all()
    return User.objects.filter(home_office_id=actor.home_office_id)


def reset_refusal(actor: User, subject: User) -> str | None:
    """Why `actor` may not reset `subject`'s second factor (a translated sentence), or None.

    Nobody resets their own (a stolen session must not be able to drop the factor and
    let the thief enrol theirs); a manager does not reset an administrator's or a
    superuser's, which only an administrator may."""
    from django.utils.translation import gettext as _

    if not resettable_users(actor).filter(pk=subject.pk).exists():
        return _("You may not reset this person's two-step sign-in.")
    if actor.pk == subject.pk:
        return _(
            "You cannot reset your own two-step sign-in. Ask an administrator, or turn it "
            "off on your own two-step sign-in page if your role allows."
        )
    if actor.is_superuser or actor.has_role(Role.ADMINISTRATOR):
        return None
    if subject.is_superuser or subject.has_role(Role.ADMINISTRATOR):
        return _("Only an administrator can reset an administrator's two-step sign-in.")
    return None
