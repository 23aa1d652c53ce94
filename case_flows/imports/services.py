"""Importing a caseload: rows read and checked a batch at a time, the good ones written in
bulk (bulk.py) in one transaction per batch, a report line per row; a batch whose write fails
is redone row by row through the walk (walk.py), each row in its own savepoint. A dry run is
the same path inside a transaction that is rolled back.

People are matched by a simple rule until the registry's matcher lands: the same source id,
the same national ID, or the same folded name and date of birth, within the office (a person
merged since resolves to the kept record).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Office, Team, User
from notifications.outbox import history_replay
from workflows.approvals.services import approval_required
from workflows.errors import WorkflowError

from .. import timeline
from ..cases import services as case_services
from ..dates import date_of_birth_problem
from ..models import Case, Household, HouseholdMember, Person, PersonRelation, Stage
from ..permissions import is_caseworker, may_open_cases
from ..registry.selectors import person_resolve
from ..text import fold
from . import bulk
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
            same_household=rel.lives_with,
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


BATCH_SIZE = 500


class _Importer:
    """One import: rows checked in Python a batch at a time (lookups, references already
    imported, people matched: a few queries per batch), then the good ones written in bulk
    (bulk.batch_write) in one savepoint; a batch that fails is redone row by row (_one_row)."""

    def __init__(self, *, office: Office, actor: User, mapping: Mapping):
        self.office, self.actor, self.mapping = office, actor, mapping
        self.source = mapping.source_system
        self.lookups = Lookups(office)
        self.today = timezone.localdate(timezone=office.tzinfo)
        self.seen_refs: set[str] = set()
        # new people of this file by what matches them, so a second row naming one matches it
        self.new_people: dict[tuple, Person] = {}
        self.households: dict[int, Household | None] = {}
        self.relatives_known: dict[int, set[str]] = {}
        self.may_open: dict[int, bool] = {}
        self.team_members = {
            team.pk: {u.pk for u in team.members.all()}
            for team in Team.objects.filter(office=office).prefetch_related("members")
        }
        self.bulk_gates = {
            kind: approval_required(office_id=office.pk, kind=kind) for kind in bulk.GATES
        }

    # --- phase 1: read and check ----------------------------------------------------------
    def check(self, chunk: list[tuple[int, dict]]) -> tuple[list[RowResult], list, list]:
        """(results of rows done with: errors, skips; rows for the bulk write; rows for the
        walk)."""
        results: list[RowResult] = []
        read = []
        for n, record in chunk:
            try:
                row = row_read(record, self.mapping, self.lookups)
                walk_check(row)
                self._check_like_the_services(row)
            except (RowError, WorkflowError) as exc:
                results.append(RowResult(n, ERROR, _ref(record, self.mapping), message=str(exc)))
                continue
            read.append((n, record, row))
        fresh = self._not_imported(read, results)
        good, slow = self._plan(fresh)
        return results, good, slow

    def _not_imported(self, read: list, results: list[RowResult]) -> list:
        """The rows whose case is not imported yet (one query), the others reported."""
        refs = {row.external_ref for _n, _r, row in read if row.external_ref}
        imported = set(
            Case.objects.filter(
                office=self.office, source_system=self.source, external_ref__in=refs
            ).values_list("external_ref", flat=True)
        )
        fresh = []
        for n, record, row in read:
            if row.external_ref and (
                row.external_ref in imported or row.external_ref in self.seen_refs
            ):
                results.append(
                    RowResult(n, SKIPPED, row.external_ref, message=_("Already imported."))
                )
                continue
            if row.external_ref:
                self.seen_refs.add(row.external_ref)
            fresh.append((n, record, row))
        return fresh

    def _plan(self, fresh: list) -> tuple[list, list]:
        good, slow = [], []
        found = self._match_people([row for _n, _r, row in fresh])
        for (n, record, row), person in zip(fresh, found, strict=True):
            if any(not self.bulk_gates[kind] for kind in bulk.gates_passed(row)):
                slow.append((n, record))  # an office rule the walk follows: let it
                continue
            if person is None:  # a person an earlier row of the file registers?
                keys = self._keys(row)
                person = next((self.new_people[k] for k in keys if k in self.new_people), None)
            matched = person is not None
            if person is None:
                person = bulk.new_person(
                    office=self.office, actor=self.actor, source=self.source, row=row
                )
                for key in self._keys(row):
                    self.new_people.setdefault(key, person)
            planned = bulk.Planned(
                n=n,
                record=record,
                row=row,
                person=person,
                matched=matched,
                opener=_opener(row, self.lookups),
            )
            planned.extra["placeholder"] = _placeholder(self.source, row)
            good.append(planned)
        return good, slow

    def _check_like_the_services(self, row: ImportRow) -> None:
        """What case_open, person_create, person_link_relative and case_allocate refuse."""
        opener = _opener(row, self.lookups)
        if opener.pk not in self.may_open:
            self.may_open[opener.pk] = may_open_cases(opener)
        if not self.may_open[opener.pk]:
            raise RowError(_("You do not have permission to open cases."))
        if not row.category.is_active:
            raise RowError(_("This category is no longer in use."))
        for dob in [row.person["date_of_birth"], *(r.date_of_birth for r in row.relatives)]:
            problem = date_of_birth_problem(dob, self.today)
            if problem:
                raise RowError(problem)
        cw = row.caseworker
        if cw is not None:
            if not is_caseworker(cw):
                raise RowError(_("%(who)s is not a caseworker.") % {"who": cw})
            if cw.pk not in self.team_members.get(row.team.pk, ()):
                raise RowError(
                    _("%(who)s is not a member of %(team)s.") % {"who": cw, "team": row.team.name}
                )

    def _keys(self, row: ImportRow) -> list[tuple]:
        """What matches a person, strongest first (as _find_person)."""
        keys = []
        if row.person_ref:
            keys.append(("ref", row.person_ref))
        if row.person["national_id"]:
            keys.append(("id", row.person["national_id"]))
        if row.person["date_of_birth"]:
            name = fold(f"{row.person['given_name']} {row.person['family_name']}")
            keys.append(("name", name, row.person["date_of_birth"]))
        return keys

    def _match_people(self, rows: list[ImportRow]) -> list[Person | None]:
        """_match_person for many rows: three queries, whatever their number."""
        people = Person.objects.filter(office=self.office, anonymised_at__isnull=True)
        refs = {r.person_ref for r in rows if r.person_ref}
        ids = {r.person["national_id"] for r in rows if r.person["national_id"]}
        names = {
            fold(f"{r.person['given_name']} {r.person['family_name']}")
            for r in rows
            if r.person["date_of_birth"]
        }
        found: dict[tuple, Person] = {}
        queries = (
            (refs, "ref", Q(source_system=self.source, external_ref__in=refs)),
            (ids, "id", Q(national_id__in=ids)),
            (names, "name", Q(search_name__in=names, date_of_birth__isnull=False)),
        )
        for wanted, kind, where in queries:
            if not wanted:
                continue
            for person in people.filter(where).order_by("-pk"):  # the lowest pk wins
                value = {
                    "ref": (person.external_ref,),
                    "id": (person.national_id,),
                    "name": (person.search_name, person.date_of_birth),
                }[kind]
                found[(kind, *value)] = person
        result: list[Person | None] = []
        for row in rows:
            person = next((found[k] for k in self._keys(row) if k in found), None)
            if person is not None and person.merged_into_id:
                person = person_resolve(person.pk)
            result.append(person)
        return result

    # --- phase 2: write -------------------------------------------------------------------
    def write(self, good: list, slow: list) -> list[RowResult]:
        results = []
        if good:
            new = list({id(p.person): p.person for p in good if p.person.pk is None}.values())
            try:
                with transaction.atomic():
                    self._prepare_households(good)
                    bulk.batch_write(
                        good,
                        office=self.office,
                        actor=self.actor,
                        source=self.source,
                        households=self.households,
                        relatives_known=self.relatives_known,
                    )
            except DatabaseError:
                # unexpected (a reference imported meanwhile, a constraint): row by row
                self._forget(good, new)
                slow += [(p.n, p.record) for p in good]
            else:
                for p in good:
                    results.append(
                        RowResult(
                            p.n,
                            MATCHED if p.matched else CREATED,
                            p.row.external_ref,
                            case_reference=p.case.reference,
                            person=str(p.person),
                            message=_("Client matched to an existing person.") if p.matched else "",
                        )
                    )
        for n, record in sorted(slow, key=lambda item: item[0]):
            results.append(
                _one_row(
                    n,
                    record,
                    office=self.office,
                    actor=self.actor,
                    mapping=self.mapping,
                    lookups=self.lookups,
                )
            )
        return results

    def _forget(self, good: list, new: list[Person]) -> None:
        """After a failed batch: what it wrote was rolled back (the walk redoes its rows, and
        later rows find their people in the database)."""
        gone = {id(person) for person in new}
        for key, person in list(self.new_people.items()):
            if id(person) in gone:
                del self.new_people[key]
        for p in good:
            self.households.pop(p.person.pk, None)
            self.relatives_known.pop(p.person.pk, None)
        self.households = {k: v for k, v in self.households.items() if v is None or v.pk}
        for person in new:
            person.pk = None

    def _prepare_households(self, good: list) -> None:
        """The current household and known relatives of the matched clients (two queries)."""
        ids = {p.person.pk for p in good if p.person.pk is not None}
        ids -= self.households.keys()
        if not ids:
            return
        for pk in ids:
            self.households[pk] = None
            self.relatives_known.setdefault(pk, set())
        for member in HouseholdMember.objects.filter(
            person_id__in=ids, to_date__isnull=True
        ).select_related("household"):
            self.households[member.person_id] = member.household
        for person_id, given, family in PersonRelation.objects.filter(
            person_id__in=ids
        ).values_list("person_id", "relative__given_name", "relative__family_name"):
            self.relatives_known[person_id].add(fold(f"{given} {family}"))


def _placeholder(source: str, row: ImportRow) -> str:
    return _("Imported from %(source)s (%(ref)s): see the record there.") % {
        "source": source,
        "ref": row.external_ref or "—",
    }


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
    """Import each record as a person (matched or new), their relatives and household and a
    case at its stage. Rows go in batches of BATCH_SIZE, each batch in one transaction (a
    dry run: all inside one transaction rolled back); a bad row is reported and left out.
    Row numbers as a spreadsheet shows them (`first_row`: 2 under a header, 1 for JSON)."""
    report = ImportReport(dry_run=dry_run)
    started = time.monotonic()
    importer = _Importer(office=office, actor=actor, mapping=mapping)
    try:
        with history_replay(), transaction.atomic() if dry_run else nullcontext():
            for chunk in _chunks(enumerate(records, start=first_row), BATCH_SIZE):
                results, good, slow = importer.check(chunk)
                results += importer.write(good, slow)
                report.results += sorted(results, key=lambda r: r.row)
                if progress:
                    progress(len(report.results))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    report.seconds = time.monotonic() - started
    return report


def _chunks(items, size: int):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
