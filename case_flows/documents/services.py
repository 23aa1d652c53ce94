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

from accounts.models import User
from workflows.errors import NotPermitted, WorkflowError

from .. import timeline
from ..models import (
    Assessment,
    Attachment,
    AttachmentKind,
    Case,
    CasePlan,
    Closure,
    FollowUp,
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

# The record models an attachment may name, and the column that names each.
RECORD_COLUMNS: dict[type, str] = {
    Intake: "intake",
    Assessment: "assessment",
    CasePlan: "plan",
    FollowUp: "follow_up",
    Referral: "referral",
    Closure: "closure",
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
        column = RECORD_COLUMNS.get(type(record))
        if column is None:
            raise TypeError(f"Cannot attach to a {type(record).__name__}.")
        if case is None:
            case = Case.objects.get(pk=record.case_id)
        elif record.case_id != case.pk:
            raise AttachmentError(_("The record belongs to another case."))
        columns[column] = record
    if case is None:
        raise TypeError("attachment_create needs a case or a record of a case.")
    return case, columns


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
    same transaction (a generated document says which template made it)."""
    case, columns = _target(case, record)
    if kind not in AttachmentKind.values:
        raise AttachmentError(_("Choose what kind of document this is."))
    if not may_attach(actor, case):
        raise NotPermitted(_("You cannot add attachments to this case."))
    if person is not None:
        _person_on_case(case, person)
    _count_check(case)
    checked = check_upload(file, name=name)
    virus_scan(checked.content)

    storage = attachments_storage()
    stem = f"cases/{case.pk}/{uuid.uuid4().hex}"
    stored = [storage.save(f"{stem}{checked.extension}", ContentFile(checked.content))]
    if checked.thumbnail is not None:
        stored.append(storage.save(f"{stem}-thumb.jpg", ContentFile(checked.thumbnail)))
    try:
        with transaction.atomic():
            # The case row alone (no stage change here): two uploads cannot both pass the
            # count at its limit.
            Case.objects.select_for_update().filter(pk=case.pk).values_list("pk").first()
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
    ids = sorted({a.pk for a in attachments})
    allowed = set(
        Attachment.objects.filter(case=case, pk__in=ids, deleted_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    if allowed != set(ids):
        raise AttachmentError(_("Only this case's own attachments can be shared."))
    referral.shared_attachments.set(ids)
    timeline.attachments_shared(referral, actor=actor, attachment_ids=ids)
    return ids
