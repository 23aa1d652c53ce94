"""The attachment writes that other rooms' services make inside their own transactions: the
files attached on a task page before its record existed become that record's when the task is
submitted, and a referral's choice of what it shares with its provider. Here, below both the
referrals and the documents rooms (siblings, which may not import each other), so that both
apply the one rule."""

from collections import defaultdict

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from .. import timeline
from ..models import Attachment, Referral
from ..models.attachments import RECORD_FIELDS
from .services import CaseError


def record_column(record) -> str:
    """The Attachment column that names `record` (an Intake, Assessment, CasePlan, FollowUp,
    Referral or Closure); TypeError for anything else."""
    for name in RECORD_FIELDS:
        model = Attachment._meta.get_field(name).related_model
        if isinstance(record, model):  # type: ignore[arg-type]
            return name
    raise TypeError(f"Cannot attach to a {type(record).__name__}.")


def _no_record() -> Q:
    return Q(**{f"{name}__isnull": True for name in RECORD_FIELDS})


def pending_on_task(task: Task) -> QuerySet[Attachment]:
    """The files attached on `task`'s page that name no record yet (deleted ones too: the
    record keeps what was attached for it, as the case keeps its deletions)."""
    return Attachment.objects.filter(_no_record(), task=task)


# The flag in a task's `data` that files wait on it (set by the upload, under the flow lock).
FILES_WAITING = "files_waiting"


def task_attachments_to_record(*, task: Task, record) -> int:
    """Call inside the service that wrote `record` for `task` (its transaction, under the
    flow lock an upload on the task's page takes too, `task` re-read under it): the files
    attached on the page while the record did not exist are the record's now. No query when
    nothing was attached (the upload flags the task), else one UPDATE; returns how many."""
    if not (task.data or {}).get(FILES_WAITING):
        return 0
    return pending_on_task(task).update(**{record_column(record): record})


def task_attachments_to_referrals(*, task: Task, referrals: list[Referral]) -> dict[int, int]:
    """The arrange-referrals task writes several referrals: a file attached on its page
    becomes the referral that shares it, when exactly one of them does; a file shared by
    several, or by none, stays with the case as a whole. Returns {attachment id: referral id}."""
    if not referrals:
        return {}
    through = Referral.shared_attachments.through
    shares = through.objects.filter(
        referral_id__in=[r.pk for r in referrals],
        attachment_id__in=pending_on_task(task).values("pk"),
    ).values_list("attachment_id", "referral_id")
    sharing: dict[int, set[int]] = defaultdict(set)
    for attachment_id, referral_id in shares:
        sharing[attachment_id].add(referral_id)
    linked = {a: next(iter(r)) for a, r in sharing.items() if len(r) == 1}
    for attachment_id, referral_id in linked.items():
        Attachment.objects.filter(pk=attachment_id).update(referral_id=referral_id)
    return linked


def referral_attachments_set(*, referral: Referral, actor, attachment_ids) -> list[int]:
    """The referral shares exactly these attachments of its case with the provider (inside
    the caller's transaction; the caller checks who may): only the case's own attachments
    still in use. The choice goes on the timeline. Returns the ids, sorted."""
    try:
        ids = sorted({int(pk) for pk in attachment_ids})
    except (TypeError, ValueError):
        raise CaseError(_("Only this case's own attachments can be shared.")) from None
    allowed = set(
        Attachment.objects.filter(
            case_id=referral.case_id, pk__in=ids, deleted_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if allowed != set(ids):
        raise CaseError(_("Only this case's own attachments can be shared."))
    referral.shared_attachments.set(ids)
    timeline.attachments_shared(referral, actor=actor, attachment_ids=ids)
    return ids
