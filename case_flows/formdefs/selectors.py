"""Which version of which form a stage of a case uses, the lookups a form may use, and the
people a person field of a case may name."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Office

from ..models import (
    CaseTypeForm,
    FormDefinition,
    FormVersion,
    FormVersionStatus,
    HouseholdMember,
    Lookup,
    Person,
    PersonRelation,
)


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
    version = (
        FormVersion.objects.filter(definition=definition, status=FormVersionStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )
    if version is not None:
        version.definition = definition  # read by the layout and the services: no query
    return version


def form_version_for(case, stage: str) -> FormVersion | None:
    """The newest published version of the form the case's stage uses (None: the built-in
    form only). Two queries."""
    definition = definition_for(office_id=case.office_id, category_id=case.category_id, stage=stage)
    return published_version(definition)


def case_people(case, *, also: Iterable[int] = ()) -> list[tuple[int, str]]:
    """(id, label) of the people a person field on `case` may name: the client, their
    relatives (either way round) and the current members of their household, plus `also`
    (people already answered); only people registered at the case's office, never an
    anonymised or merged-away record. The client first. One query."""
    client = case.person_id
    # One list of ids (a UNION), then the people by primary key: an OR of subqueries would
    # make PostgreSQL read every person of the office.
    ids = (
        Person.objects.filter(pk__in=[client, *(int(i) for i in also)])
        .values("pk")
        .union(
            PersonRelation.objects.filter(person_id=client).values("relative_id"),
            PersonRelation.objects.filter(relative_id=client).values("person_id"),
            HouseholdMember.objects.filter(
                to_date__isnull=True,
                household__members__person_id=client,
                household__members__to_date__isnull=True,
            ).values("person_id"),
            all=True,
        )
    )
    people = Person.objects.filter(
        pk__in=ids,
        office_id=case.office_id,
        anonymised_at__isnull=True,
        merged_into__isnull=True,
    ).only("pk", "given_name", "family_name", "date_of_birth")
    ordered = sorted(people, key=lambda p: (p.pk != client, p.family_name, p.given_name, p.pk))
    return [(p.pk, _person_label(p, is_client=p.pk == client)) for p in ordered]


def _person_label(person: Person, *, is_client: bool) -> str:
    born = person.date_of_birth.isoformat() if person.date_of_birth else ""
    if is_client:
        return _("%(name)s (the client)") % {"name": person}
    if born:
        return _("%(name)s (born %(date)s)") % {"name": person, "date": born}
    return str(person)


def foreign_people(ids: Iterable[int], *, office_id: int) -> list[int]:
    """Those of `ids` that are not people of the office's registry (what a person answer may
    never name)."""
    wanted = {int(i) for i in ids}
    if not wanted:
        return []
    found = set(
        Person.objects.filter(pk__in=wanted, office_id=office_id).values_list("pk", flat=True)
    )
    return sorted(wanted - found)
