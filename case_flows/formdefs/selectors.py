"""Which version of which form a stage of a case uses, and the lookups a form may use."""

from __future__ import annotations

from django.db.models import Q

from accounts.models import Office

from ..models import CaseTypeForm, FormDefinition, FormVersion, FormVersionStatus, Lookup


def lookups_for(office: Office | None) -> dict[str, list[dict]]:
    """Lookup key -> its offered values as a version keeps them ({code, labels, active});
    an office's own lookup hides a global one of the same key. Two queries."""
    scope = (
        Q(office__isnull=True) | Q(office=office) if office is not None else Q(office__isnull=True)
    )
    out: dict[str, list[dict]] = {}
    own: set[str] = set()
    for lookup in Lookup.objects.filter(scope).prefetch_related("values"):
        if lookup.key in own:
            continue
        if lookup.office_id is not None:
            own.add(lookup.key)
        elif lookup.key in out:
            continue
        out[lookup.key] = [
            {"code": v.code, "labels": v.labels, "active": v.is_active} for v in lookup.values.all()
        ]
    return out


def definition_for(*, office_id: int | None, category_id: int | None, stage: str):
    """The definition a stage uses: office+category, office, category, then the default."""
    rows = CaseTypeForm.objects.filter(
        Q(office_id=office_id) | Q(office__isnull=True),
        Q(category_id=category_id) | Q(category__isnull=True),
        stage=stage,
    ).select_related("definition")

    def rank(row):
        return (row.office_id is None, row.category_id is None)

    best = min(rows, key=rank, default=None)
    return best.definition if best else None


def published_version(definition: FormDefinition | None) -> FormVersion | None:
    if definition is None:
        return None
    return (
        FormVersion.objects.filter(definition=definition, status=FormVersionStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )


def form_version_for(case, stage: str) -> FormVersion | None:
    """The newest published version of the form the case's stage uses (None: the built-in
    form only). Two queries."""
    definition = definition_for(office_id=case.office_id, category_id=case.category_id, stage=stage)
    return published_version(definition)
