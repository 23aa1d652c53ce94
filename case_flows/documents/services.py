"""Attachment writes: attach a file (checked, scanned, stored, then recorded), delete one
softly with a reason, choose what a referral shares with its provider.

Other rooms (generated letters, decisions) store their PDFs through `attachment_create`."""

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task

from accounts.models import User
from workflows.errors import Conflict, NotPermitted, WorkflowError
from workflows.queue import OPEN_STATUSES, conflicts_as_errors

from .. import timeline
from ..cases.attachments import FILES_WAITING, record_column, referral_attachments_set
from ..locking import case_lock
from ..models import (
    Attachment,
    AttachmentKind,
    Case,
    CaseProcess,
    Intake,
    Person,
    PersonRelation,
    Referral,
)
from ..models.attachments import attachments_storage
from ..permissions import can_see_case, can_work_on, supervises_case
from .scan import virus_scan
from .validation import AttachmentRefused, check_upload

logger = logging.getLogger(__name__)

# The tasks whose page attaches files to the record the task writes, and that record's column.
# The intake exists from registration: a file goes on it at once. The others are written when
# the task is submitted: a file waits on the task until then (`Attachment.task`), and the
# task's service names the record (case_flows.cases.attachments). The arrange-referrals task
# writes several referrals: a file goes to the one that shares it.
TASK_RECORDS: dict[str, str] = {
    "intake": "intake",
    "assess": "assessment",
    "plan": "plan",
    "follow_up": "follow_up",
    "arrange_referrals": "referral",
    "prepare_closure": "closure",
}


class AttachmentError(WorkflowError):
    pass


def may_attach(user: User, case: Case) -> bool:
    """Whoever works on the case (not a reader by grant alone), while it has personal data."""
    return case.anonymised_at is None and can_work_on(user, case)


def may_delete(user: User, attachment: Attachment, case: Case) -> bool:
    """Its uploader (still seeing the case) or the supervisor of the case's team."""
    if attachment.deleted_at is not None or not can_see_case(user, case):
        return False
    return attachment.uploaded_by_id == user.pk or supervises_case(user, case)


def _max_per_case() -> int:
    return int(settings.ATTACHMENT_MAX_PER_CASE)


def _count_check(case: Case) -> None:
    live = Attachment.objects.filter(case=case, deleted_at__isnull=True).count()
    if live >= _max_per_case():
        raise AttachmentRefused(
            _(
                "This case already has %(max)s attachments, the most it may have. Delete one"
                " that is no longer needed first."
            )
            % {"max": _max_per_case()}
        )


def _person_on_case(case: Case, person: Person) -> None:
    if person.pk == case.person_id:
        return
    if not PersonRelation.objects.filter(person_id=case.person_id, relative=person).exists():
        raise AttachmentError(_("The person is neither the client nor a relative on this case."))


def _target(case: Case | None, record) -> tuple[Case, dict]:
    """The case and the record column of an attachment to `record` (or the case alone)."""
    columns: dict = {}
    if record is not None:
        column = record_column(record)
        if case is None:
            case = Case.objects.get(pk=record.case_id)
        elif record.case_id != case.pk:
            raise AttachmentError(_("The record belongs to another case."))
        columns[column] = record
    if case is None:
        raise TypeError("attachment_create needs a case or a record of a case.")
    return case, columns


def _task_open(task: Task) -> None:
    if task.status not in OPEN_STATUSES:
        raise Conflict(
            _(
                "This task was finished meanwhile: the file was not attached. Attach it from"
                " the case page."
            )
        )


def _task_yours(task: Task, actor: User) -> None:
    """Open, and the actor's or still in the queue (the page offers it to whoever may work on
    the task: its owner, or anyone who may claim it)."""
    _task_open(task)
    if task.owner_id not in (None, actor.pk):
        raise NotPermitted(_("This task is assigned to %(who)s.") % {"who": task.owner})


def _task_columns(case: Case, task: Task, actor: User) -> dict:
    """The record columns of a file attached on `task`'s page: the intake's at once, none
    for a record the task has not written yet (the file waits on the task)."""
    column = TASK_RECORDS.get(task.flow_task.name if task.flow_task else "")
    if column is None:
        raise AttachmentError(_("This task writes no record a file could belong to."))
    if not CaseProcess.objects.filter(pk=task.process_id, case_id=case.pk).exists():
        raise AttachmentError(_("The task belongs to another case."))
    _task_yours(task, actor)
    if column == "intake":
        intake = Intake.objects.filter(case=case).first()
        if intake is None:
            raise AttachmentError(_("The case has no intake."))
        return {"intake": intake}
    return {}


def _checked_target(*, actor, case, record, task, kind, person) -> tuple[Case, dict]:
    """The case and record columns of a new attachment, once everything but the file is
    checked (who, what kind, about whom, on which task)."""
    case, columns = _target(case, record)
    if kind not in AttachmentKind.values:
        raise AttachmentError(_("Choose what kind of document this is."))
    if not may_attach(actor, case):
        raise NotPermitted(_("You cannot add attachments to this case."))
    if task is not None:
        if record is not None:
            raise TypeError("attachment_create takes a record or a task, not both.")
        columns = _task_columns(case, task, actor)
    if person is not None:
        _person_on_case(case, person)
    return case, columns


def _upload_lock(case: Case, task: Task | None, actor: User) -> None:
    """The case row, so that two uploads cannot both pass the count at its limit. On a task:
    the flow locks first (the task's submit takes them in that order, then the case row), and
    the task still open and the actor's under them: its submit names the record of the files
    waiting on it, and a file must not arrive after that."""
    if task is None:
        Case.objects.select_for_update().filter(pk=case.pk).values_list("pk").first()
        return
    case_lock(case.pk)
    task.refresh_from_db(fields=["status", "owner", "data"])
    _task_yours(task, actor)
    if not (task.data or {}).get(FILES_WAITING):
        # The task's submit reads this flag (its task row, re-read under the same lock) and
        # names its record on the waiting files only when it is set: no query otherwise.
        task.data = {**(task.data or {}), FILES_WAITING: True}
        Task.objects.filter(pk=task.pk).update(data=task.data)


def attachment_create(
    *,
    actor: User,
    case: Case | None = None,
    person: Person | None = None,
    record=None,
    kind: str,
    description: str = "",
    file,
    name: str | None = None,
    event: Callable[[Case, Attachment], object] | None = None,
    task: Task | None = None,
) -> Attachment:
    """Attach `file` (an uploaded or Django File) to the case, about `person` (its client or
    a relative) or to one of its records (Intake, Assessment, CasePlan, FollowUp, Referral,
    Closure). Every attachment belongs to a case (the case is the record's when only a record
    is given): the case's scope is who may see it.

    The file is checked first (name, size, type by content, image re-encoded without its
    metadata, PDF without scripts, virus scan when configured): a refusal raises
    AttachmentRefused with the reason and stores nothing. Then the file is stored, and the
    row and the timeline event are written in one transaction (the file is removed again if
    that fails).

    `event(case, attachment)` writes the timeline event instead of "attachment added", in the
    same transaction (a generated document says which template made it).

    `task` (instead of `record`): attached on that open task's page, for the record the task
    writes (TASK_RECORDS): the intake at once; the others when the task is submitted (its
    service names the record). The task's flow lock is taken before the case row, as its
    submit takes them: a task submitted meanwhile is a Conflict and nothing is stored."""
    case, columns = _checked_target(
        actor=actor, case=case, record=record, task=task, kind=kind, person=person
    )
    _count_check(case)
    checked = check_upload(file, name=name)
    virus_scan(checked.content)

    storage = attachments_storage()
    stem = f"cases/{case.pk}/{uuid.uuid4().hex}"
    stored = [storage.save(f"{stem}{checked.extension}", ContentFile(checked.content))]
    if checked.thumbnail is not None:
        stored.append(storage.save(f"{stem}-thumb.jpg", ContentFile(checked.thumbnail)))
    try:
        with conflicts_as_errors(), transaction.atomic():
            _upload_lock(case, task, actor)
            _count_check(case)
            attachment = Attachment.objects.create(
                case=case,
                person=person,
                kind=kind,
                description=(description or "").strip()[:255],
                original_name=checked.name,
                content_type=checked.content_type,
                size=len(checked.content),
                sha256=checked.sha256,
                file=stored[0],
                thumbnail=stored[1] if len(stored) > 1 else "",
                uploaded_by=actor,
                task=task,
                **columns,
            )
            if event is not None:
                event(case, attachment)
            else:
                timeline.attachment_added(case, actor=actor, attachment=attachment)
    except BaseException:
        for key in stored:
            storage.delete(key)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, actor: User, attachment: Attachment, reason: str) -> Attachment:
    """Soft delete: the attachment leaves every list and download; the file stays until the
    retention job removes it with the case's other personal data."""
    attachment = Attachment.objects.select_for_update().select_related("case").get(pk=attachment.pk)
    case = attachment.case
    if attachment.deleted_at is not None:
        raise AttachmentError(_("The attachment was already deleted."))
    if not may_delete(actor, attachment, case):
        raise NotPermitted(
            _("Only whoever uploaded the attachment, or the case's supervisor, can delete it.")
        )
    reason = (reason or "").strip()
    if not reason:
        raise AttachmentError(_("Say why the attachment is deleted."))
    attachment.deleted_at = timezone.now()
    attachment.deleted_by = actor
    attachment.deletion_reason = reason
    attachment.save(update_fields=["deleted_at", "deleted_by", "deletion_reason"])
    timeline.attachment_deleted(case, actor=actor, attachment=attachment, reason=reason)
    return attachment


@transaction.atomic
def referral_attachments_share(
    *, actor: User, referral: Referral, attachments: list[Attachment]
) -> list[int]:
    """The referral shares exactly these attachments of its case with the provider."""
    case = referral.case
    if not can_work_on(actor, case):
        raise NotPermitted(_("You cannot change this referral."))
    if not referral.is_open:
        raise AttachmentError(_("The referral is closed: nothing more can be shared."))
    return referral_attachments_set(
        referral=referral, actor=actor, attachment_ids=[a.pk for a in attachments]
    )
