"""Reads of a case type's configuration: the need domains its assessment asks, and the labels
of the domains a stored assessment scored (retired ones included)."""

from django.db.models import Exists, OuterRef, Q, Subquery

from accounts.models import Office

from ..models import CaseTypeNeedDomain, NeedDomain, NeedLevel


def need_domains_for_type(*, office_id: int, category_id: int | None) -> list[NeedDomain]:
    """The active domains a case type's assessment asks, in order. One query.

    The office's selection for the category wins, then the category's for every office; with
    neither (or only retired domains selected), every active domain of the office's country.
    """
    picked = CaseTypeNeedDomain.objects.filter(category_id=category_id, domain=OuterRef("pk"))
    country = Office.objects.filter(pk=office_id).values("jurisdiction")[:1]
    domains = list(
        NeedDomain.objects.filter(is_active=True)
        .filter(Q(jurisdiction="") | Q(jurisdiction=Subquery(country)))
        .annotate(
            for_office=Exists(picked.filter(office_id=office_id)),
            for_category=Exists(picked.filter(office__isnull=True)),
        )
    )
    for scope in ("for_office", "for_category"):
        chosen = [d for d in domains if getattr(d, scope)]
        if chosen:
            return chosen
    return domains


def need_domains_for(case) -> list[NeedDomain]:
    """The need domains the case's assessment asks (its category, in its office). Cached on
    the case object, so a page and its form ask the database once."""
    cached = getattr(case, "_need_domains", None)
    if cached is None:
        cached = need_domains_for_type(office_id=case.office_id, category_id=case.category_id)
        case._need_domains = cached
    return cached


def need_domain_labels(codes) -> dict[str, str]:
    """{code: label in the active language} for these codes, retired domains included (no
    query when there are none). A code with no row any more shows as itself."""
    codes = list(codes)
    if not codes:
        return {}
    return {d.code: d.label for d in NeedDomain.objects.filter(code__in=codes)}


def needs_shown(needs: dict | None) -> list[tuple[str, str, str]]:
    """A stored assessment's scores as (domain label, level code, level label), in the
    domains' order: what the case page and the approval page show. One query, none when
    nothing was scored."""
    if not needs:
        return []
    levels = dict(NeedLevel.choices)
    domains = list(NeedDomain.objects.filter(code__in=list(needs)).only("code", "labels", "order"))
    shown = [(d.label, needs[d.code], levels.get(needs[d.code], "")) for d in domains]
    known = {d.code for d in domains}
    shown += [
        (code, level, levels.get(level, "")) for code, level in needs.items() if code not in known
    ]
    return shown
