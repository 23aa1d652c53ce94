"""Attachment reads: the case page's list, and one attachment for a download (in the case's
scope for staff; for a provider's staff, only what a referral to them shares)."""

from django.db.models import Exists, OuterRef, QuerySet
from viewflow.workflow.models import Task

from accounts.models import User

from ..cases import selectors as case_selectors
from ..models import Attachment, Case, Referral
from ..permissions import CasePerm


def case_attachments(case: Case) -> list[Attachment]:
    """The case's attachments still in use, newest first: one query (the uploader and the
    person joined; the record is told from its column, not loaded; `shared` tells whether a
    referral shares it with its provider, for the delete confirmation)."""
    shares = Referral.shared_attachments.through.objects.filter(attachment_id=OuterRef("pk"))
    return list(
        Attachment.objects.filter(case=case, deleted_at__isnull=True)
        .annotate(shared=Exists(shares))
        .select_related("uploaded_by", "person")
        .order_by("-uploaded_at", "-pk")
    )


def live_attachments(case: Case) -> list[Attachment]:
    """`case_attachments`, read once per request for this case object: a page whose parts
    all list them (the task page's section and its referrals' choices) pays one query. Only
    for pages that show; a write reads `case_attachments` afresh."""
    cached = getattr(case, "_live_attachments", None)
    if cached is None:
        cached = case._live_attachments = case_attachments(case)  # type: ignore[attr-defined]
    return cached


def case_task(case: Case, task_id) -> Task | None:
    """The case's task of that id (any process of the case), or None."""
    if not str(task_id or "").isdigit():
        return None
    return Task.objects.filter(pk=int(task_id), process__caseprocess__case=case).first()


def attachment_for_user(user: User, attachment_id: int) -> tuple[Attachment, Case] | None:
    """The attachment and its case when the user may read the case (its scope; a restricted
    case: its access list; a case they registered awaiting allocation), else None. Deleted
    attachments are not downloadable by anyone."""
    attachment = (
        Attachment.objects.filter(pk=attachment_id, deleted_at__isnull=True, purged_at__isnull=True)
        .only("pk", "case_id", "file", "thumbnail", "original_name", "content_type", "kind")
        .first()
    )
    if attachment is None:
        return None
    case = case_selectors.case_for_user(user, attachment.case_id, to_read=True)
    if case is None:
        return None
    return attachment, case


def _provider_referrals(user: User) -> QuerySet[Referral]:
    """Referrals addressed to the user's providers: the rule of the provider's pages
    (case_flows.referrals.selectors.referrals_to_provider_of; that room is a sibling of this
    one, so the rule is repeated here, in the same words)."""
    if not user.has_perm(CasePerm.RESPOND_REFERRAL):
        return Referral.objects.none()
    return Referral.objects.filter(provider__members=user, provider__kind="internal")


def shared_attachment_for_provider(
    user: User, referral_id: int, attachment_id: int
) -> tuple[Attachment, Referral] | None:
    referral = _provider_referrals(user).filter(pk=referral_id).select_related("case").first()
    if referral is None:
        return None
    attachment = referral.shared_attachments.filter(
        pk=attachment_id, deleted_at__isnull=True, purged_at__isnull=True
    ).first()
    if attachment is None:
        return None
    return attachment, referral


def referral_shared_attachments(referral: Referral) -> list[Attachment]:
    return list(
        referral.shared_attachments.filter(deleted_at__isnull=True).order_by("-uploaded_at", "-pk")
    )
