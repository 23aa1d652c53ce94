"""Reads of a case type's configuration: the need domains its assessment asks, and the labels
of the domains a stored assessment scored (retired ones included)."""

from django.db.models import Exists, OuterRef, Q, Subquery

from accounts.models import Office
from workflows.approvals.models import ApprovalKind, ApprovalRule
from workflows.approvals.services import DEFAULT_REQUIRED

from ..models import CaseTypeNeedDomain, Category, NeedDomain, NeedLevel


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


# --- the administrators' pages -------------------------------------------------------------


def need_domain_catalogue(office: Office | None) -> list[NeedDomain]:
    """Every need domain an office's administrators see (every country's and their own
    country's; retired ones too), or all of them (None: a national administrator). One query."""
    domains = NeedDomain.objects.all()
    if office is not None:
        domains = domains.filter(Q(jurisdiction="") | Q(jurisdiction=office.jurisdiction))
    return list(domains)


def case_types_of_office(office: Office) -> list[Category]:
    """The categories the office offers, each with what it configures there: `approvals`
    (kind -> True/False for a category rule, None: the office's rule, which `office_rules`
    holds) and `domains` (the need domains of the office's or the category's selection,
    empty: all). Three queries, whatever the number of categories."""
    categories = list(Category.offered_to(office))
    rules = list(
        ApprovalRule.objects.filter(office=office).values_list("category", "kind", "required")
    )
    office_rules = {kind: required for code, kind, required in rules if code == ""}
    selections = (
        CaseTypeNeedDomain.objects.filter(
            Q(office=office) | Q(office__isnull=True), category__in=categories
        )
        .select_related("domain")
        .order_by("domain__order", "domain__code")
    )
    by_category: dict[int, dict[bool, list[NeedDomain]]] = {}
    for row in selections:
        by_category.setdefault(row.category_id, {}).setdefault(row.office_id is None, []).append(
            row.domain
        )
    for category in categories:
        category.approvals = {
            kind: next((req for code, k, req in rules if code == category.code and k == kind), None)
            for kind in ApprovalKind.values
        }
        category.office_rules = {
            kind: office_rules.get(kind, kind in DEFAULT_REQUIRED) for kind in ApprovalKind.values
        }
        category.steps = [
            {
                "label": label,
                "own": category.approvals[kind] is not None,
                "required": category.office_rules[kind]
                if category.approvals[kind] is None
                else category.approvals[kind],
            }
            for kind, label in ApprovalKind.choices
        ]
        chosen = by_category.get(category.pk, {})
        category.office_domains = chosen.get(False, [])
        category.category_domains = chosen.get(True, [])
    return categories


def case_type_of_office(office: Office, category_id: int) -> Category | None:
    """One category the office offers, configured as case_types_of_office shows it."""
    category = Category.offered_to(office).filter(pk=category_id).first()
    if category is None:
        return None
    rules = ApprovalRule.objects.filter(office=office).values_list("category", "kind", "required")
    category.approvals = dict.fromkeys(ApprovalKind.values)
    category.office_rules = {kind: kind in DEFAULT_REQUIRED for kind in ApprovalKind.values}
    for code, kind, required in rules:
        if code == category.code:
            category.approvals[kind] = required
        elif code == "":
            category.office_rules[kind] = required
    selections = CaseTypeNeedDomain.objects.filter(category=category).filter(
        Q(office=office) | Q(office__isnull=True)
    )
    category.office_domain_ids = {r.domain_id for r in selections if r.office_id is not None}
    category.category_domain_ids = {r.domain_id for r in selections if r.office_id is None}
    return category
