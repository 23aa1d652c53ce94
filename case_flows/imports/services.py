"""Importing a caseload: each row all or nothing (a savepoint), a report line per row; a dry
run is the same path inside a transaction that is rolled back.

People are matched by a simple rule until the registry's matcher lands: the same source id,
the same national ID, or the same folded name and date of birth, within the office. Relatives
are linked as PersonRelation rows with same_household=True (households are not modelled yet).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.db import DatabaseError, IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Office, User
from notifications.outbox import history_replay
from workflows.errors import WorkflowError

from .. import timeline
from ..cases import services as case_services
from ..models import Case, Person, PersonRelation, Stage
from ..registry.selectors import person_resolve
from ..text import fold
from .mapping import Mapping
from .rows import ImportRow, Lookups, RowError, row_read
from .walk import case_walk, walk_check

CREATED, MATCHED, SKIPPED, ERROR = "created", "matched", "skipped", "error"


@dataclass
class RowResult:
    row: int
    outcome: str
    external_ref: str = ""
    case_reference: str = ""
    person: str = ""
    message: str = ""


@dataclass
class ImportReport:
    dry_run: bool
    results: list[RowResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(r.outcome for r in self.results)
        return {k: counts.get(k, 0) for k in (CREATED, MATCHED, SKIPPED, ERROR)}

    @property
    def rows_per_second(self) -> float:
        return len(self.results) / self.seconds if self.seconds else 0.0


class _DryRun(Exception):
    """Raised to roll the whole dry run back."""


def _match_person(office: Office, source: str, row: ImportRow) -> Person | None:
    """The person a row names, if registered already; a record merged into another since
    leads to the kept one (a re-run after a merge attaches nothing to the alias)."""
    found = _find_person(office, source, row)
    return person_resolve(found.pk) if found is not None and found.merged_into_id else found


def _find_person(office: Office, source: str, row: ImportRow) -> Person | None:
    people = Person.objects.filter(office=office, anonymised_at__isnull=True).order_by("pk")
    if row.person_ref:
        found = people.filter(source_system=source, external_ref=row.person_ref).first()
        if found:
            return found
    if row.person["national_id"]:
        found = people.filter(national_id=row.person["national_id"]).first()
        if found:
            return found
    if row.person["date_of_birth"]:
        name = fold(f"{row.person['given_name']} {row.person['family_name']}")
        return people.filter(search_name=name, date_of_birth=row.person["date_of_birth"]).first()
    return None


def _person(office: Office, actor: User, source: str, row: ImportRow) -> tuple[Person, bool]:
    found = _match_person(office, source, row)
    if found:
        return found, True
    person = case_services.person_create(actor=actor, office=office, **row.person)
    if row.person_ref:
        Person.objects.filter(pk=person.pk).update(
            source_system=source, external_ref=row.person_ref
        )
    return person, False


def _relatives(case: Case, actor: User, row: ImportRow) -> None:
    known = {
        fold(f"{r.relative.given_name} {r.relative.family_name}")
        for r in PersonRelation.objects.filter(person=case.person).select_related("relative")
    }
    for rel in row.relatives:
        if fold(f"{rel.given_name} {rel.family_name}") in known:
            continue
        relative = case_services.person_create(
            actor=actor,
            office=case.office,
            given_name=rel.given_name,
            family_name=rel.family_name,
            sex=rel.sex,
            date_of_birth=rel.date_of_birth,
            phone=rel.phone,
        )
        relation = case_services.person_link_relative(
            actor=actor,
            person=case.person,
            relative=relative,
            relationship=rel.relationship,
            is_primary_caregiver=rel.is_caregiver,
            same_household=True,
        )
        timeline.relative_added(case, actor=actor, relative=relative, relation=relation)


def _opener(row: ImportRow, lookups: Lookups) -> User:
    """Who registers the case: its caseworker, else the team's (or the office's) supervisor."""
    if row.caseworker is not None:
        return row.caseworker
    if row.team is not None and row.team.supervisor is not None:
        return row.team.supervisor
    if lookups.registrar is None:
        raise RowError(_("No supervisor in this office can register the case: add one first."))
    return lookups.registrar


def _import_case(
    *, row: ImportRow, office: Office, actor: User, source: str, lookups: Lookups
) -> RowResult:
    walk_check(row)
    person, matched = _person(office, actor, source, row)
    opener = _opener(row, lookups)
    placeholder = _("Imported from %(source)s (%(ref)s): see the record there.") % {
        "source": source,
        "ref": row.external_ref or "—",
    }
    case = case_services.case_open(
        actor=opener,
        person=person,
        office=office,
        category=row.category,
        risk=row.risk,
        source=row.source,
        presenting_concerns=row.presenting_concerns or placeholder,
        team=row.team,
    )
    Case.objects.filter(pk=case.pk).update(source_system=source, external_ref=row.external_ref)
    _relatives(case, opener, row)
    case_walk(case, row, placeholder)
    case.refresh_from_db()
    dates = {}
    if row.opened_at:
        dates["opened_at"] = row.opened_at
    if row.closed_at and case.stage == Stage.CLOSED:
        dates["closed_at"] = row.closed_at
    if dates:  # the source's dates, so the dashboard's figures count the case when it was
        Case.objects.filter(pk=case.pk).update(**dates)
    timeline.case_imported(
        case,
        actor=actor,
        source_system=source,
        external_ref=row.external_ref,
        data={k: v.date().isoformat() for k, v in dates.items()} | {"stage": row.stage},
    )
    return RowResult(
        row=0,
        outcome=MATCHED if matched else CREATED,
        external_ref=row.external_ref,
        case_reference=case.reference,
        person=str(person),
        message=_("Client matched to an existing person.") if matched else "",
    )


def _one_row(n: int, record: dict, *, office, actor, mapping, lookups) -> RowResult:
    source = mapping.source_system
    try:
        row = row_read(record, mapping, lookups)
        if (
            row.external_ref
            and Case.objects.filter(
                office=office, source_system=source, external_ref=row.external_ref
            ).exists()
        ):
            return RowResult(n, SKIPPED, row.external_ref, message=_("Already imported."))
        with transaction.atomic():
            result = _import_case(
                row=row, office=office, actor=actor, source=source, lookups=lookups
            )
    except IntegrityError:
        return RowResult(n, SKIPPED, _ref(record, mapping), message=_("Already imported."))
    except (RowError, WorkflowError, PermissionError) as exc:
        return RowResult(n, ERROR, _ref(record, mapping), message=str(exc))
    except DatabaseError:
        raise
    result.row = n
    return result


def _ref(record: dict, mapping: Mapping) -> str:
    return str(mapping.get(record, "case.external_ref") or "")


def caseload_import(
    *,
    records: Iterable[dict],
    office: Office,
    actor: User,
    mapping: Mapping,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    first_row: int = 2,
) -> ImportReport:
    """Import each record as a person (matched or new), their relatives and a case walked to
    its stage. Each row commits on its own (a dry run: all inside one transaction rolled back).
    Row numbers as a spreadsheet shows them (`first_row`: 2 under a header, 1 for JSON)."""
    report = ImportReport(dry_run=dry_run)
    started = time.monotonic()
    lookups = Lookups(office)
    try:
        with history_replay(), transaction.atomic() if dry_run else nullcontext():
            for n, record in enumerate(records, start=first_row):
                report.results.append(
                    _one_row(
                        n, record, office=office, actor=actor, mapping=mapping, lookups=lookups
                    )
                )
                if progress:
                    progress(len(report.results))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    report.seconds = time.monotonic() - started
    return report
