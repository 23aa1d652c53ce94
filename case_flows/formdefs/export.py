"""Configured answers in exports: a column per configured field of the forms in use, and the
answers of a batch of cases read in a fixed number of queries (no query per case)."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import (
    Assessment,
    CasePlan,
    Closure,
    FollowUp,
    FormStage,
    FormVersion,
    FormVersionStatus,
    Intake,
    Person,
)
from ..models.formdefs import translated
from .content import configured_fields
from .runtime import flat_answers, people_answered

# The stage records in the order of the flow (the export's columns follow it).
STAGE_RECORDS = (
    (FormStage.INTAKE, Intake),
    (FormStage.ASSESSMENT, Assessment),
    (FormStage.PLAN, CasePlan),
    (FormStage.FOLLOW_UP, FollowUp),
    (FormStage.CLOSURE, Closure),
)


@dataclass(frozen=True)
class AnswerColumn:
    stage: str
    key: str
    label: str


def columns_in_use() -> list[AnswerColumn]:
    """A column per configured field of every published version of a form a case type uses
    (one per stage and key, labelled as the newest version has it, in the active language),
    stages in the order of the flow, fields in the order of their form. One query."""
    versions = (
        FormVersion.objects.filter(
            status=FormVersionStatus.PUBLISHED, definition__assignments__isnull=False
        )
        .select_related("definition")
        .order_by("definition_id", "-number")
        .distinct()
    )
    found: dict[tuple[str, str], str] = {}
    by_stage: dict[str, list[tuple[str, str]]] = {}
    for version in versions:  # newest first per definition: its label wins
        stage = version.definition.stage
        for spec in configured_fields(version.content):
            if (stage, spec["key"]) in found:
                continue
            found[(stage, spec["key"])] = translated(spec.get("label"), spec["key"])
            by_stage.setdefault(stage, []).append((spec["key"], found[(stage, spec["key"])]))
    return [
        AnswerColumn(stage, key, label)
        for stage, _model in STAGE_RECORDS
        for key, label in by_stage.get(stage, [])
    ]


def _latest_records(model, cases: dict[int, int]) -> list:
    """Per case, its latest record of the current episode that has a form version."""
    rows = (
        model.objects.filter(case_id__in=list(cases), form_version__isnull=False)
        .select_related("form_version")
        .only("case_id", "answers", "form_version", *(["episode"] if model is not Intake else []))
        .order_by("-pk")
    )
    latest: dict[int, object] = {}
    for record in rows:
        if record.case_id in latest:
            continue
        if model is not Intake and record.episode != cases[record.case_id]:
            continue
        latest[record.case_id] = record
    return list(latest.values())


def answers_by_case(
    cases: dict[int, int], columns: list[AnswerColumn]
) -> dict[int, dict[tuple[str, str], str]]:
    """{case id: {(stage, key): text}} for cases given as {case id: current episode}: the
    latest record's answers per stage. A query per stage that has columns, one for people."""
    stages = {c.stage for c in columns}
    records = [
        (stage, record)
        for stage, model in STAGE_RECORDS
        if stage in stages
        for record in _latest_records(model, cases)
    ]
    ids = {pid for _s, r in records for pid in people_answered(r.form_version, r.answers or {})}
    people = {p.pk: p for p in Person.objects.filter(pk__in=ids)} if ids else {}
    out: dict[int, dict[tuple[str, str], str]] = {}
    for stage, record in records:
        flat = flat_answers(record.form_version, record.answers or {}, people)
        row = out.setdefault(record.case_id, {})
        for key, text in flat.items():
            row[(stage, key)] = text
    return out
