"""Merging two records of one person (issue 18), and undoing a merge.

A supervisor chooses, field by field, which record's value survives; the other record's
cases, relations, erasure requests, households and the attachments about them move to the
kept one, and the merged row stays with
`merged_into` set: an alias, so a link, an import or an access-log row naming it still
resolves (`selectors.person_resolve`). The access log is append-only (a trigger refuses
UPDATEs): its rows keep naming the merged id, which resolves. Every case of either person
gets one "merged" timeline row with what changed. An administrator may undo a merge for
PERSON_MERGE_UNDO_DAYS.

Both person rows are locked lowest id first, whichever is kept: two merges of the same
pair queue instead of deadlocking, and the second finds the pair merged (409).
"""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, Team, User
from accounts.scope import scope_for
from workflows.errors import Conflict, NotPermitted, WorkflowError

from .. import timeline
from ..models import (
    Attachment,
    Case,
    ErasureRequest,
    HouseholdMember,
    IdentifierKind,
    Income,
    Person,
    PersonMerge,
    PersonRelation,
)
from ..permissions import CasePerm
from ..text import digits, fold
from .selectors import findable_cases

# The fields a merge chooses between, in the form's order. `national_id` carries its kind.
MERGE_FIELDS = (
    "given_name",
    "family_name",
    "sex",
    "date_of_birth",
    "date_of_birth_estimated",
    "national_id",
    "phone",
    "address",
    "preferred_language",
    "disability",
    "disability_notes",
)
SNAPSHOT_FIELDS = (*MERGE_FIELDS, "national_id_kind_id")
SOURCE, TARGET = "source", "target"


class MergeError(WorkflowError):
    """Bad input: nothing was changed."""


def _stored(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


def _snapshot(person: Person) -> dict:
    return {name: _stored(getattr(person, name)) for name in SNAPSHOT_FIELDS}


def is_administrator(user: User) -> bool:
    return user.is_superuser or Role.ADMINISTRATOR in user.role_names


def may_merge_people(user: User) -> bool:
    """Supervisors (and above): whoever approves cases."""
    return user.is_authenticated and user.is_active and user.has_perm(CasePerm.APPROVE_CASE)


def _actor_offices(user: User) -> set[int] | None:
    """The offices the user works in (None: every office): home, managed, their teams'."""
    scope = scope_for(user)
    if scope.all_offices:
        return None
    offices = set(scope.office_ids) | ({user.home_office_id} if user.home_office_id else set())
    if scope.team_ids:
        offices |= set(
            Team.objects.filter(pk__in=scope.team_ids).values_list("office_id", flat=True)
        )
    return offices


def merge_check(actor: User, source: Person, target: Person) -> None:
    """Raises when `actor` may not merge these two records (the page asks before showing
    the form; the service again, under the locks)."""
    if not may_merge_people(actor):
        raise NotPermitted(_("Only a supervisor can merge people's records."))
    if source.pk == target.pk:
        raise MergeError(_("Choose two different people to merge."))
    if source.merged_into_id or target.merged_into_id:
        raise Conflict(_("One of these records was already merged into another."))
    if source.anonymised_at or target.anonymised_at:
        raise Conflict(_("One of these people's data was anonymised: it cannot be merged."))
    offices = _actor_offices(actor)
    if offices is not None and not {source.office_id, target.office_id} <= offices:
        raise NotPermitted(_("Both people must be registered at an office you work in."))
    hidden = (
        Case.objects.filter(person_id__in=[source.pk, target.pk])
        .exclude(pk__in=findable_cases(actor).values("pk"))
        .values_list("is_restricted", flat=True)
    )
    hidden = list(hidden)
    if any(hidden):
        raise NotPermitted(
            _(
                "One of these people has a restricted case you are not on the access list "
                "of: only someone who may see all their cases can merge them."
            )
        )
    if hidden:
        raise NotPermitted(
            _("One of these people has cases you may not see: ask a supervisor who sees them all.")
        )


def _lock_pair(source: Person, target: Person) -> tuple[Person, Person]:
    """Both rows, lowest id first (one at a time, so the order is the one written here).
    Their case rows first, in id order: the anonymiser takes a case row, then its person
    (privacy.services), and two paths taking the same locks take them in one order."""
    list(
        Case.objects.select_for_update()
        .filter(person_id__in=(source.pk, target.pk))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    locked = {}
    for pk in sorted((source.pk, target.pk)):
        locked[pk] = Person.objects.select_for_update().get(pk=pk)
    return locked[source.pk], locked[target.pk]


def _apply_values(target: Person, values: dict) -> dict:
    """Set `values` ({field: value as the model holds it}) on the target; {field: [old, new]}
    of what changed, as stored (dates ISO; the identifier's kind by its code)."""
    changes = {}
    for name, value in values.items():
        old = getattr(target, name)
        if old != value:
            changes[name] = [_stored(old), _stored(value)]
            setattr(target, name, value)
    return changes


def _kind_code(kind_id) -> str | None:
    if kind_id is None:
        return None
    return IdentifierKind.objects.filter(pk=kind_id).values_list("code", flat=True).first()


def _save_person(person: Person, fields) -> None:
    person.search_name = fold(f"{person.given_name} {person.family_name}")
    person.phone_digits = digits(person.phone)
    person.version += 1
    person.save(update_fields=[*fields, "search_name", "phone_digits", "version"])


def _chosen_values(source: Person, choices: dict) -> dict:
    unknown = set(choices) - set(MERGE_FIELDS)
    bad = {value for value in choices.values() if value not in (SOURCE, TARGET)}
    if unknown:
        raise MergeError(_("These details cannot be chosen: %s") % ", ".join(sorted(unknown)))
    if bad:
        raise MergeError(_("Choose, for each detail, the kept or the merged record's value."))
    values = {}
    for name, side in choices.items():
        if side == SOURCE:
            values[name] = getattr(source, name)
            if name == "national_id":
                values["national_id_kind_id"] = source.national_id_kind_id
    if not (values.get("given_name", "x") and values.get("family_name", "x")):
        raise MergeError(_("Given and family names are required."))
    return values


def _move_relations(source: Person, target: Person) -> tuple[list, list]:
    """The source's relations, both ways, now the target's. A relation that would point the
    target at itself (the two were recorded as relatives of each other), or repeat one the
    target already has, is deleted instead (kept in the merge record, for an undo)."""
    moved, dropped = [], []
    rows = PersonRelation.objects.filter(Q(person=source) | Q(relative=source)).order_by("pk")
    existing = set(
        PersonRelation.objects.filter(Q(person=target) | Q(relative=target)).values_list(
            "person_id", "relative_id"
        )
    )
    for rel in rows:
        side = "person" if rel.person_id == source.pk else "relative"
        pair = (target.pk, rel.relative_id) if side == "person" else (rel.person_id, target.pk)
        if pair[0] == pair[1] or pair in existing:
            dropped.append(
                {
                    "person": rel.person_id,
                    "relative": rel.relative_id,
                    "relationship": rel.relationship,
                    "is_primary_caregiver": rel.is_primary_caregiver,
                    "same_household": rel.same_household,
                }
            )
            rel.delete()
            continue
        setattr(rel, f"{side}_id", target.pk)
        rel.save(update_fields=[side])
        existing.add(pair)
        moved.append({"id": rel.pk, "side": side})
    return moved, dropped


def _move_households(source: Person, target: Person) -> dict[str, list[int]]:
    """The merged record's household memberships and incomes go to the kept one (their ids
    are returned, for an undo). Refused when both are living in a household now, or both
    have an income for the same household, month and source: one record's membership is
    ended, or the income corrected, first (the household page)."""
    members = list(HouseholdMember.objects.filter(person=source))
    incomes = list(Income.objects.filter(person=source))
    if not members and not incomes:
        return {"members": [], "incomes": []}
    if (
        any(m.to_date is None for m in members)
        and HouseholdMember.objects.filter(person=target, to_date__isnull=True).exists()
    ):
        raise Conflict(
            _(
                "Both people are members of a household now: end one's membership on the "
                "household page before merging."
            )
        )
    keys = {(i.household_id, i.month, i.source) for i in incomes}
    theirs = Income.objects.filter(person=target).values_list("household_id", "month", "source")
    if keys & set(theirs):
        raise Conflict(
            _(
                "Both people have an income recorded for the same household, month and "
                "source: correct one on the household page before merging."
            )
        )
    member_ids, income_ids = [m.pk for m in members], [i.pk for i in incomes]
    HouseholdMember.objects.filter(pk__in=member_ids).update(person=target)
    Income.objects.filter(pk__in=income_ids).update(person=target)
    return {"members": member_ids, "incomes": income_ids}


def _households_back(moved: dict | list, source: Person, target: Person) -> None:
    """Undo `_move_households` (older merges stored an empty list). A membership or income
    that can no longer go back (the kept record joined another household since) is a 409."""
    if not isinstance(moved, dict):
        return
    try:
        with transaction.atomic():
            HouseholdMember.objects.filter(pk__in=moved.get("members", []), person=target).update(
                person=source
            )
            Income.objects.filter(pk__in=moved.get("incomes", []), person=target).update(
                person=source
            )
    except IntegrityError as exc:
        raise Conflict(
            _("The household records moved by this merge changed since: correct them first.")
        ) from exc


@transaction.atomic
def people_merge(*, actor: User, source: Person, target: Person, choices: dict) -> PersonMerge:
    """Merge `source` into `target`: `choices` says, per field, whose value the kept record
    takes ("source" or "target"; a field not named keeps the target's)."""
    merge_check(actor, source, target)
    source, target = _lock_pair(source, target)
    merge_check(actor, source, target)  # again under the locks: a lost race is a 409 here
    values = _chosen_values(source, choices)
    before = {SOURCE: _snapshot(source), TARGET: _snapshot(target)}
    old_kind = target.national_id_kind_id
    changes = _apply_values(target, values)
    if "national_id_kind_id" in changes:
        changes.pop("national_id_kind_id")
        changes["national_id_kind"] = [_kind_code(old_kind), _kind_code(target.national_id_kind_id)]
    fields = [name for name in values if name in changes or name == "national_id_kind_id"]
    _save_person(target, fields)
    case_ids = list(Case.objects.filter(person=source).values_list("pk", flat=True))
    Case.objects.filter(pk__in=case_ids).update(person=target)
    relations, dropped = _move_relations(source, target)
    erasures = list(ErasureRequest.objects.filter(person=source).values_list("pk", flat=True))
    ErasureRequest.objects.filter(pk__in=erasures).update(person=target)
    households = _move_households(source, target)
    # The files about the merged record (an identity document, a photo) are about the kept
    # one; deleted ones too, so an undo puts back exactly what moved.
    attachments = list(Attachment.objects.filter(person=source).values_list("pk", flat=True))
    Attachment.objects.filter(pk__in=attachments).update(person=target)
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    merge = PersonMerge.objects.create(
        source=source,
        target=target,
        merged_by=actor,
        values_before=before,
        moved={
            "cases": case_ids,
            "relations": relations,
            "relations_dropped": dropped,
            "erasure_requests": erasures,
            "households": households,
            "attachments": attachments,
        },
    )
    cases = list(Case.objects.filter(person=target).order_by("pk"))
    timeline.people_merged(
        cases,
        actor=actor,
        merge_id=merge.pk,
        source_id=source.pk,
        target_id=target.pk,
        changes=changes,
    )
    return merge


# --- undo --------------------------------------------------------------------------------


def undo_deadline(merge: PersonMerge) -> datetime.datetime:
    return merge.merged_at + datetime.timedelta(days=settings.PERSON_MERGE_UNDO_DAYS)


def _undo_check(actor: User, merge: PersonMerge, target: Person) -> None:
    if not is_administrator(actor):
        raise NotPermitted(_("Only an administrator can undo a merge."))
    if merge.undone_at is not None:
        raise Conflict(_("This merge was already undone."))
    if target.anonymised_at is not None or not merge.values_before:
        raise Conflict(_("This person's data was anonymised: the merge cannot be undone."))
    if timezone.now() > undo_deadline(merge):
        raise Conflict(
            _("This merge can no longer be undone: it is older than %(days)d days.")
            % {"days": settings.PERSON_MERGE_UNDO_DAYS}
        )
    later = PersonMerge.objects.filter(
        Q(target=target) | Q(source=target), undone_at__isnull=True, pk__gt=merge.pk
    )
    if target.merged_into_id is not None or later.exists():
        raise Conflict(_("The kept record was merged again since: undo the later merge first."))


def _restore_values(target: Person, snapshot: dict) -> dict:
    """The target's fields as the snapshot kept them; {field: [old, new]} of what changed."""
    values = {}
    for name in SNAPSHOT_FIELDS:
        value = snapshot.get(name)
        if name == "date_of_birth" and value:
            value = datetime.date.fromisoformat(value)
        values[name] = value
    old_kind = target.national_id_kind_id
    changes = _apply_values(target, values)
    if "national_id_kind_id" in changes:
        changes.pop("national_id_kind_id")
        changes["national_id_kind"] = [_kind_code(old_kind), _kind_code(target.national_id_kind_id)]
    return changes


def _relations_back(merge: PersonMerge, source: Person, target: Person) -> None:
    for row in merge.moved.get("relations", []):
        side = row["side"]
        PersonRelation.objects.filter(pk=row["id"], **{f"{side}_id": target.pk}).update(
            **{f"{side}_id": source.pk}
        )
    for row in merge.moved.get("relations_dropped", []):
        if not PersonRelation.objects.filter(
            person_id=row["person"], relative_id=row["relative"]
        ).exists():
            PersonRelation.objects.create(
                person_id=row["person"],
                relative_id=row["relative"],
                relationship=row["relationship"],
                is_primary_caregiver=row["is_primary_caregiver"],
                same_household=row["same_household"],
            )


@transaction.atomic
def people_merge_undo(*, actor: User, merge: PersonMerge) -> PersonMerge:
    """Undo `merge`: the kept record's values as before, what moved moved back, the merged
    record its own again; a "merge undone" row on every case of either person."""
    source, target = _lock_pair(merge.source, merge.target)
    merge = PersonMerge.objects.select_for_update().get(pk=merge.pk)
    _undo_check(actor, merge, target)
    changes = _restore_values(target, merge.values_before.get(TARGET, {}))
    _save_person(target, list(SNAPSHOT_FIELDS))
    moved = merge.moved
    Case.objects.filter(pk__in=moved.get("cases", []), person=target).update(person=source)
    _relations_back(merge, source, target)
    ErasureRequest.objects.filter(pk__in=moved.get("erasure_requests", []), person=target).update(
        person=source
    )
    _households_back(moved.get("households", []), source, target)
    Attachment.objects.filter(pk__in=moved.get("attachments", []), person=target).update(
        person=source
    )
    source.merged_into = None
    source.save(update_fields=["merged_into"])
    merge.undone_at = timezone.now()
    merge.undone_by = actor
    merge.save(update_fields=["undone_at", "undone_by"])
    cases = list(Case.objects.filter(person_id__in=[source.pk, target.pk]).order_by("pk"))
    timeline.people_merge_undone(
        cases,
        actor=actor,
        merge_id=merge.pk,
        source_id=source.pk,
        target_id=target.pk,
        changes=changes,
    )
    return merge
