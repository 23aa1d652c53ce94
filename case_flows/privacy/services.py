"""The anonymiser and its daily job: a closed case past its retention period (or a person's
approved erasure) loses its personal data and free text; its statistical skeleton stays
(category, office, team, stage dates, stage changes, risk, deadline clocks and outcomes), so
the dashboard's history does not change. See docs/data-protection-retention.md."""

import datetime
import logging

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Case as Choose
from django.db.models import Q, QuerySet, Value, When
from django.utils import timezone
from viewflow.workflow.models import Task

from accounts.models import User
from workflows.approvals.models import Approval

from .. import timeline
from ..locking import case_lock
from ..models import (
    Assessment,
    Attachment,
    Case,
    CasePlan,
    CaseReview,
    CaseTransfer,
    Closure,
    ErasureRequest,
    FollowUp,
    Household,
    HouseholdMember,
    Income,
    Intake,
    Person,
    PersonMerge,
    PersonRelation,
    PlanAction,
    PlanGoal,
    Referral,
    Stage,
)
from ..models.attachments import attachments_storage
from .selectors import cases_past_retention

logger = logging.getLogger(__name__)

REDACTED = timeline.REDACTED
ANONYMISED = "Anonymised"  # stored, not shown translated: a person's name field
BATCH_SIZE = 100

# The free-text fields of a case's records, by model: each becomes "[redacted]" (an empty
# one stays empty). The coded fields beside them (risk, needs levels, reasons, dates) stay.
FREE_TEXT: list[tuple[type[models.Model], str, tuple[str, ...]]] = [
    (Intake, "case", ("presenting_concerns",)),
    (Assessment, "case", ("needs_notes", "strengths")),
    (CasePlan, "case", ("summary",)),
    (PlanGoal, "plan__case", ("description",)),
    (PlanAction, "plan__case", ("description", "responsible")),
    (FollowUp, "case", ("notes",)),
    (Closure, "case", ("summary",)),
    (
        Referral,
        "case",
        ("notes", "consent_override_reason", "decline_reason", "outcome", "withdraw_reason"),
    ),
    (CaseTransfer, "case", ("reason", "decline_reason")),
    (CaseReview, "case", ("note",)),
    (ErasureRequest, "case", ("details",)),
]


def _redacted(field: str) -> Choose:
    return Choose(When(~Q(**{field: ""}), then=Value(REDACTED)), default=Value(""))


def _records_redact(case: Case) -> dict[str, int]:
    """One UPDATE per model; returns rows changed by model name."""
    counts: dict[str, int] = {}
    for model, path, fields in FREE_TEXT:
        rows = model._default_manager.filter(**{path: case}).update(
            **{field: _redacted(field) for field in fields}
        )
        if rows:
            counts[model.__name__.lower()] = rows
    # The supervisors' comments on the case's approvals (workflows keeps them).
    rows = Approval.objects.filter(
        subject_type=ContentType.objects.get_for_model(Case), subject_id=case.pk
    ).update(comment=_redacted("comment"))
    if rows:
        counts["approval"] = rows
    # A comment a task kept in its data (reopening, for one).
    tasks = [
        task
        for task in Task.objects.filter(process__caseprocess__case=case).only("pk", "data")
        if isinstance(task.data, dict) and task.data.get("comment")
    ]
    for task in tasks:
        task.data["comment"] = REDACTED
    Task.objects.bulk_update(tasks, ["data"])
    if tasks:
        counts["task"] = len(tasks)
    return counts


def _attachments_delete(case: Case) -> int:
    """The case's files are removed from the storage for real (after the commit: a rolled
    back anonymisation keeps them); the rows stay as counts, kinds and dates, without name,
    description or reason, and are no longer shared with any provider."""
    rows = list(Attachment.objects.filter(case=case, purged_at__isnull=True))
    if not rows:
        return 0
    keys = [key for a in rows for key in (a.file.name, a.thumbnail.name) if key]
    now = timezone.now()
    for attachment in rows:
        attachment.original_name = REDACTED
        attachment.description = ""
        attachment.file = attachment.thumbnail = ""
        attachment.purged_at = now
        if attachment.deleted_at is not None:
            attachment.deletion_reason = REDACTED
    Attachment.objects.bulk_update(
        rows, ["original_name", "description", "file", "thumbnail", "purged_at", "deletion_reason"]
    )
    Attachment.shared_with_referrals.through.objects.filter(attachment__in=rows).delete()

    def remove_files():
        storage = attachments_storage()
        for key in keys:
            try:
                storage.delete(key)
            except OSError:  # the row says purged: the file is found by its key in the log
                logger.exception("attachment file %s of case %s not removed", key, case.pk)

    transaction.on_commit(remove_files)
    return len(rows)


def _person_scrub(person: Person, now: datetime.datetime) -> None:
    """Names, identifiers, contact details and notes go; sex, disability (yes/no) and the
    year of birth stay, for the statistics (an age band needs no more)."""
    birth = person.date_of_birth
    Person.objects.filter(pk=person.pk).update(
        given_name=ANONYMISED,
        family_name=f"#{person.pk}",
        search_name="",
        national_id="",
        national_id_kind=None,
        phone="",
        phone_digits="",
        address="",
        preferred_language="",
        disability_notes="",
        date_of_birth=datetime.date(birth.year, 1, 1) if birth else None,
        date_of_birth_estimated=birth is not None,
        anonymised_at=now,
    )
    # A merge kept both records' details (for an undo) and the merged record as an alias of
    # this one: both go too (the merge can then no longer be undone).
    PersonMerge.objects.filter(Q(source_id=person.pk) | Q(target_id=person.pk)).update(
        values_before={}
    )
    for alias in Person.objects.filter(merged_into_id=person.pk, anonymised_at__isnull=True):
        _person_scrub(alias, now)
    _household_scrub(person)


def _household_scrub(person: Person) -> None:
    """The person's income notes go (amounts and sources stay: figures, no longer anyone's);
    a household whose every member is now anonymised loses its address."""
    households = list(
        HouseholdMember.objects.filter(person=person).values_list("household_id", flat=True)
    )
    if not households:  # incomes are recorded in a household the person is a member of
        return
    Income.objects.filter(person=person).exclude(note="").update(note="")
    for household in Household.objects.filter(pk__in=households).exclude(address=""):
        others = HouseholdMember.objects.filter(household=household).exclude(person=person)
        if not others.filter(person__anonymised_at__isnull=True).exists():
            Household.objects.filter(pk=household.pk).update(address="")


def _person_anonymise(person_pk: int, now: datetime.datetime) -> bool:
    """Anonymise a person once nothing still needs them: every case of theirs anonymised,
    and not a relative on a case that is not. Locks the person row (after the case row), so
    two of their cases anonymised at once cannot both leave them out."""
    person = Person.objects.select_for_update().get(pk=person_pk)
    if person.anonymised_at is not None:
        return False
    if Case.objects.filter(person=person, anonymised_at__isnull=True).exists():
        return False
    if PersonRelation.objects.filter(relative=person, person__anonymised_at__isnull=True).exists():
        return False
    _person_scrub(person, now)
    return True


def case_anonymise(*, case_pk: int, actor: User | None = None, cause: str = "retention") -> bool:
    """Anonymise one closed case in one transaction, under the case lock; returns False (and
    changes nothing) for a case already anonymised or not closed. Its client and relatives
    are anonymised too when no other case still needs them."""
    with transaction.atomic():
        case = case_lock(case_pk)
        if case.anonymised_at is not None or case.stage != Stage.CLOSED:
            return False
        now = timezone.now()
        counts = _records_redact(case)
        counts["timeline"] = timeline.events_redact(case)
        counts["attachments"] = _attachments_delete(case)
        case.anonymised_at = now
        case.save(update_fields=["anonymised_at"])
        people = 0
        relatives = list(
            PersonRelation.objects.filter(person_id=case.person_id).values_list(
                "relative_id", flat=True
            )
        )
        if _person_anonymise(case.person_id, now):
            people += 1
            people += sum(_person_anonymise(pk, now) for pk in relatives)
        counts["people"] = people
        timeline.personal_data_redacted(case, actor=actor, cause=cause, counts=counts)
    logger.info("case %s anonymised (%s): %s", case_pk, cause, counts)
    return True


def anonymise_due_cases(
    *, today: datetime.date | None = None, batch_size: int = BATCH_SIZE
) -> dict[str, int]:
    """The daily job: every closed case past its retention, in batches, each in its own
    transaction (a failure rolls back that case only and is logged). Safe to run twice."""
    today = today or timezone.localdate()
    due: QuerySet[Case] = cases_past_retention(today)
    counts = {"anonymised": 0, "skipped": 0, "failed": 0}
    passed: set[int] = set()
    while True:
        batch = list(
            due.exclude(pk__in=passed)
            .order_by("closed_at", "pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            break
        for case_pk in batch:
            try:
                done = case_anonymise(case_pk=case_pk, cause="retention")
            except Exception:  # one bad case must not stop the others; retried tomorrow
                logger.exception("anonymising case %s failed", case_pk)
                counts["failed"] += 1
                passed.add(case_pk)
                continue
            if done:
                counts["anonymised"] += 1
            else:
                counts["skipped"] += 1
                passed.add(case_pk)
    logger.info("retention job on %s: %s", today, counts)
    return counts
