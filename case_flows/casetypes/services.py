"""Writes of a case type's configuration by an administrator: the need domains (add, relabel,
reorder, retire), which of them a category asks in an office, and the category's approval
rules in an office. Each checks the actor (PermissionError: a 403 page) and runs in one
transaction; none touches a case: a change applies to the next assessment or approval gate."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Office, User
from workflows.approvals.models import ApprovalKind, ApprovalRule

from ..models import CaseTypeNeedDomain, Category, NeedDomain
from ..permissions import may_change_need_domain, may_configure_case_types

logger = logging.getLogger(__name__)


class CaseTypeError(Exception):
    """A refused change; `field` names the form field it belongs to (or is empty)."""

    def __init__(self, message, field: str = ""):
        super().__init__(str(message))
        self.message = message
        self.field = field


def _require_configurer(actor: User) -> None:
    if not may_configure_case_types(actor):
        raise PermissionError(_("Only administrators configure case types."))


def _clean_labels(labels: dict[str, str]) -> dict[str, str]:
    languages = {code for code, _name in settings.LANGUAGES}
    cleaned = {lang: (text or "").strip() for lang, text in labels.items() if lang in languages}
    cleaned = {lang: text for lang, text in cleaned.items() if text}
    if not cleaned.get(settings.LANGUAGE_CODE):
        raise CaseTypeError(
            _("Give the domain a name in English."), field=f"label_{settings.LANGUAGE_CODE}"
        )
    return cleaned


@transaction.atomic
def need_domain_save(
    *,
    actor: User,
    domain: NeedDomain | None,
    code: str = "",
    labels: dict[str, str],
    order: int,
    jurisdiction: str,
) -> NeedDomain:
    """Add a domain (`domain` None: `code` given, never changed later since assessments store
    it) or relabel and reorder one."""
    _require_configurer(actor)
    if domain is not None and not may_change_need_domain(actor, domain.jurisdiction):
        raise PermissionError(_("Only a national administrator changes this need domain."))
    if not may_change_need_domain(actor, jurisdiction):
        raise PermissionError(_("Only a national administrator changes this need domain."))
    cleaned = _clean_labels(labels)
    if domain is None:
        if NeedDomain.objects.filter(code=code).exists():
            raise CaseTypeError(_("A need domain with this code exists already."), field="code")
        domain = NeedDomain(code=code)
    domain.labels = cleaned
    domain.order = order
    domain.jurisdiction = jurisdiction
    domain.save()
    logger.info("need domain %s saved by user %s", domain.code, actor.pk)
    return domain


@transaction.atomic
def need_domain_set_active(*, actor: User, domain: NeedDomain, active: bool) -> NeedDomain:
    """Retire a domain (no assessment asks it any more; scores given still show) or bring it
    back."""
    _require_configurer(actor)
    if not may_change_need_domain(actor, domain.jurisdiction):
        raise PermissionError(_("Only a national administrator changes this need domain."))
    domain.is_active = active
    domain.save(update_fields=["is_active"])
    logger.info("need domain %s active=%s by user %s", domain.code, active, actor.pk)
    return domain


@transaction.atomic
def case_type_configure(
    *,
    actor: User,
    office: Office,
    category: Category,
    approvals: dict[str, bool | None],
    domains: list[NeedDomain],
) -> None:
    """Set a category's approval rules in the office (per step: True required, False not
    required, None as the office's rule for every category) and the need domains its
    assessment asks there (none: the category's selection for every office, else all)."""
    _require_configurer(actor)
    if office.jurisdiction and category.jurisdiction not in ("", office.jurisdiction):
        raise CaseTypeError(_("This category is not offered in this office."))
    if any(d.jurisdiction not in ("", office.jurisdiction) for d in domains):
        raise CaseTypeError(_("This need domain is not offered in this office."), field="domains")
    for kind, required in approvals.items():
        if kind not in ApprovalKind.values:
            raise CaseTypeError(_("Unknown step."))
        rules = ApprovalRule.objects.filter(office=office, kind=kind, category=category.code)
        if required is None:
            rules.delete()
        else:
            ApprovalRule.objects.update_or_create(
                office=office, kind=kind, category=category.code, defaults={"required": required}
            )
    wanted = {d.pk for d in domains}
    selection = CaseTypeNeedDomain.objects.filter(office=office, category=category)
    have = set(selection.values_list("domain_id", flat=True))
    if have - wanted:
        selection.filter(domain_id__in=have - wanted).delete()
    CaseTypeNeedDomain.objects.bulk_create(
        CaseTypeNeedDomain(office=office, category=category, domain_id=pk)
        for pk in sorted(wanted - have)
    )
    logger.info(
        "case type %s configured in office %s by user %s", category.code, office.pk, actor.pk
    )
