"""Who builds forms, for which office: an administrator (CHANGE_FORMDEFINITION) their own
office's forms and lookups; a superuser or national administrator any office's, and the
global ones (office empty) that every office uses."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Office, User
from accounts.staff_rules import manages_every_office

from ..permissions import CasePerm


def may_build_forms(actor: User) -> bool:
    if not actor.is_authenticated or not actor.is_active:
        return False
    if not actor.has_perm(CasePerm.CHANGE_FORMDEFINITION):
        return False
    return manages_every_office(actor) or actor.home_office_id is not None


def builder_offices(actor: User) -> QuerySet[Office]:
    if not may_build_forms(actor):
        return Office.objects.none()
    if manages_every_office(actor):
        return Office.objects.filter(is_active=True)
    return Office.objects.filter(pk=actor.home_office_id or 0)


def builder_office_for(actor: User, office_id: int | str | None) -> Office | None:
    """The office asked for (the actor's own when none); None when it is not theirs."""
    offices = builder_offices(actor)
    if office_id in (None, ""):
        if actor.home_office_id is not None:
            return offices.filter(pk=actor.home_office_id).first()
        return offices.order_by("name").first()
    try:
        return offices.filter(pk=int(office_id)).first()
    except (TypeError, ValueError):
        return None


def may_edit_global(actor: User) -> bool:
    return manages_every_office(actor)


def may_edit(actor: User, owner_office_id: int | None, office: Office) -> bool:
    """A definition or lookup of `office` (the page's), or a global one for those who may."""
    if owner_office_id is None:
        return may_edit_global(actor)
    return owner_office_id == office.pk
