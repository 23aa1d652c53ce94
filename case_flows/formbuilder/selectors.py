"""Reads of the builder's pages: lookups and definitions an office sees (its own and the
global ones) in a fixed number of queries, a definition's versions, and the case types grid."""

from __future__ import annotations

from django.db.models import Count, Max, Q, QuerySet

from accounts.models import Office
from workflows.approvals.models import ApprovalKind, ApprovalRule
from workflows.sla.models import SlaPolicy

from ..models import (
    CaseTypeForm,
    Category,
    FormDefinition,
    FormStage,
    FormVersion,
    FormVersionStatus,
    Lookup,
)


def _visible(office: Office) -> Q:
    return Q(office__isnull=True) | Q(office=office)


def lookups_of(office: Office) -> QuerySet[Lookup]:
    """The office's lookups and the global ones, with their value counts. One query."""
    return (
        Lookup.objects.filter(_visible(office))
        .annotate(
            value_count=Count("values"),
            offered_count=Count("values", filter=Q(values__is_active=True)),
        )
        .order_by("key", "office_id")
    )


def definitions_of(office: Office) -> QuerySet[FormDefinition]:
    """The office's definitions and the global ones, with their newest published and draft
    version numbers. One query."""
    return (
        FormDefinition.objects.filter(_visible(office))
        .annotate(
            published_number=Max(
                "versions__number", filter=Q(versions__status=FormVersionStatus.PUBLISHED)
            ),
            draft_number=Max(
                "versions__number", filter=Q(versions__status=FormVersionStatus.DRAFT)
            ),
        )
        .order_by("stage", "key", "office_id")
    )


def definitions_by_stage(office: Office) -> list[tuple[str, object, list[FormDefinition]]]:
    rows = list(definitions_of(office))
    return [
        (stage, label, [d for d in rows if d.stage == stage]) for stage, label in FormStage.choices
    ]


def versions_of(definition: FormDefinition) -> list[FormVersion]:
    return list(
        FormVersion.objects.filter(definition=definition)
        .select_related("published_by", "created_by")
        .order_by("-number")
    )


def case_type_rows(office: Office):
    """For every category the office offers (and "every category"): per stage, the form in
    use and where the choice comes from, the office's own choice (if any)."""
    categories = list(Category.offered_to(office).order_by("order", "name"))
    assignments = list(CaseTypeForm.objects.filter(_visible(office)).select_related("definition"))

    def chosen(category_id, stage):
        candidates = [
            a for a in assignments if a.stage == stage and a.category_id in (None, category_id)
        ]
        if not candidates:
            return None
        return min(candidates, key=lambda a: (a.office_id is None, a.category_id is None))

    rows = []
    for category in [None, *categories]:
        category_id = category.pk if category else None
        cells = []
        for stage, label in FormStage.choices:
            best = chosen(category_id, stage)
            own = next(
                (
                    a
                    for a in assignments
                    if a.stage == stage
                    and a.office_id == office.pk
                    and a.category_id == category_id
                ),
                None,
            )
            cells.append({"stage": stage, "label": label, "in_use": best, "own": own})
        rows.append({"category": category, "cells": cells})
    return rows


def approval_rules_of(office: Office) -> list[tuple[object, bool]]:
    """Each step that may need a supervisor's approval, and whether it does (default yes)."""
    rules = {r.kind: r.required for r in ApprovalRule.objects.filter(office=office)}
    return [(label, rules.get(kind, True)) for kind, label in ApprovalKind.choices]


def sla_policies_of(office: Office) -> list[SlaPolicy]:
    """The current deadline policies that can apply to the office's cases, in matching order."""
    return list(
        SlaPolicy.objects.filter(is_current=True)
        .filter(Q(office__isnull=True) | Q(office=office))
        .filter(Q(jurisdiction="") | Q(jurisdiction=office.jurisdiction))
        .order_by("order", "pk")
    )
