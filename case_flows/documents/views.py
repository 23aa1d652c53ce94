"""Attachment pages: the case's attachments (list and upload; the case page and the task pages
post their upload forms here), download, thumbnail, delete, and the provider's download of
what a referral shares. Every read is checked against the case scope (404 outside it) and
every download is in the access log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workflows.errors import Conflict, WorkflowError

from ..access_log import access_record
from ..cases import selectors as case_selectors
from ..cases.views import case_or_404
from ..models import (
    AccessAction,
    Assessment,
    CasePlan,
    Closure,
    FollowUp,
    Referral,
)
from . import selectors, services
from .forms import AttachmentDeleteForm, AttachmentForm, ReferralShareForm
from .storage import attachment_response, thumbnail_response

RECORD_MODELS = {
    "assessment": Assessment,
    "plan": CasePlan,
    "follow_up": FollowUp,
    "referral": Referral,
    "closure": Closure,
}


def _back(request, case) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("case_detail", args=[case.pk]) + "#attachments"


def _record(case, key: str):
    if not key:
        return None
    if key == "intake":
        return getattr(case, "intake", None)
    name, _sep, pk = key.partition(":")
    model = RECORD_MODELS.get(name)
    if model is None or not pk.isdigit():
        return None
    return model.objects.filter(case=case, pk=int(pk)).first()


def _task_of(case, task_id) -> tuple:
    """The task page an upload comes from (its id posted with it) and the record column it
    writes; (None, "") when none was posted; 404 for an id that is not a task of this case."""
    if not task_id:
        return None, ""
    task = selectors.case_task(case, task_id)
    if task is None:
        raise Http404(_("No such task on this case."))
    return task, services.TASK_RECORDS.get(getattr(task.flow_task, "name", ""), "")


def _task_page(url: str) -> str:
    """`url` when it is a task page (where a refused upload came from), else ""."""
    try:
        match = resolve(url.split("#")[0].split("?")[0])
    except Resolver404:
        return ""
    return url if match.url_name == "task" else ""


def _page(request, case, form=None, status=200, *, case_link=False):
    records = case_selectors.case_records(case)
    relatives = [rel.relative for rel in records["relatives"]]
    attachments = selectors.case_attachments(case)
    may_attach = services.may_attach(request.user, case) and not getattr(case, "read_only", False)
    for attachment in attachments:
        attachment.may_delete = services.may_delete(request.user, attachment, case)
    access_record(request, AccessAction.VIEW_CASE, case=case, target="attachments")
    context = {
        "case": case,
        "attachments": attachments,
        "form": (form or AttachmentForm(case=case, records=records, relatives=relatives))
        if may_attach
        else None,
        "delete_form": AttachmentDeleteForm(),
        # A refused upload from another page (a task page) goes back there once it is right,
        # and the page links back to it (without script the refusal lands here).
        "upload_next": _back(request, case) if request.method == "POST" else "",
        "task_back": _task_page(_back(request, case)) if request.method == "POST" else "",
        # A task finished meanwhile: the file can still go on the case, from its page.
        "case_link": case_link,
    }
    return render(request, "case_flows/documents/attachments.html", context, status=status)


@login_required
def case_attachments(request, case_id: int):
    """GET: the case's attachments with the upload form. POST: attach a file (from here, the
    case page or a task page); a refusal shows this page again with the reason."""
    if request.method != "POST":
        case = case_selectors.case_for_user(request.user, case_id, to_read=True)
        if case is None:
            raise Http404(_("No such case, or it is not in your work."))
        return _page(request, case)
    case = case_or_404(request.user, case_id)
    records = case_selectors.case_records(case)
    relatives = [rel.relative for rel in records["relatives"]]
    task, task_record = _task_of(case, request.POST.get("task"))
    if task is not None or _task_page(_back(request, case)):
        # From a task page (also one whose task writes no record, which posts no task): the
        # choices that page offered (templatetags.documents.task_attachments), so that a
        # refusal shows the same form again.
        records, relatives = {}, []
    form = AttachmentForm(
        request.POST,
        request.FILES,
        case=case,
        records=records,
        relatives=relatives,
        task=task,
        task_record=task_record,
    )
    if not form.is_valid():
        return _page(request, case, form, status=400)
    data = form.cleaned_data
    people = {str(case.person_id): case.person, **{str(r.pk): r for r in relatives}}
    on_task = data["record"] == "task"
    try:
        services.attachment_create(
            actor=request.user,
            case=case,
            person=people.get(data["about"]),
            record=None if on_task else _record(case, data["record"]),
            task=task if on_task else None,
            kind=data["kind"],
            description=data["description"],
            file=data["upload"],
        )
    except WorkflowError as exc:
        form.add_error(None, exc.message)
        return _page(
            request, case, form, status=exc.status_code, case_link=isinstance(exc, Conflict)
        )
    messages.success(request, _("The file was attached."))
    return redirect(_back(request, case))


def _attachment_or_404(user, attachment_id: int):
    found = selectors.attachment_for_user(user, attachment_id)
    if found is None:
        raise Http404(_("No such attachment, or it is not in your work."))
    return found


@login_required
def attachment_download(request, attachment_id: int):
    attachment, case = _attachment_or_404(request.user, attachment_id)
    access_record(
        request, AccessAction.VIEW_ATTACHMENT, case=case, target=f"attachment {attachment.pk}"
    )
    return attachment_response(attachment)


@login_required
def attachment_thumbnail(request, attachment_id: int):
    """Part of the page that lists it (the case page's read is the one recorded)."""
    attachment, _case = _attachment_or_404(request.user, attachment_id)
    if not attachment.thumbnail:
        raise Http404(_("This attachment has no thumbnail."))
    return thumbnail_response(attachment)


@require_POST
@login_required
def attachment_delete_view(request, attachment_id: int):
    attachment, case = _attachment_or_404(request.user, attachment_id)
    form = AttachmentDeleteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the attachment is deleted."))
        return redirect(_back(request, case))
    try:
        services.attachment_delete(
            actor=request.user, attachment=attachment, reason=form.cleaned_data["reason"]
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return redirect(_back(request, case))
    messages.success(request, _("The attachment was deleted."))
    return redirect(_back(request, case))


@require_POST
@login_required
def referral_share_view(request, case_id: int, referral_id: int):
    """The caseworker chooses which of the case's attachments the referral shares."""
    case = case_or_404(request.user, case_id)
    referral = Referral.objects.filter(case=case, pk=referral_id).select_related("case").first()
    if referral is None:
        raise Http404(_("No such referral on this case."))
    live = selectors.case_attachments(case)
    form = ReferralShareForm(request.POST, attachments=live)
    if not form.is_valid():
        messages.error(request, _("Choose among the case's attachments."))
        return redirect("case_referrals", case_id=case.pk)
    chosen = {str(a.pk): a for a in live}
    try:
        services.referral_attachments_share(
            actor=request.user,
            referral=referral,
            attachments=[chosen[pk] for pk in form.cleaned_data["attachments"]],
        )
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return redirect("case_referrals", case_id=case.pk)
    messages.success(request, _("The provider now sees the attachments you chose."))
    return redirect("case_referrals", case_id=case.pk)


@login_required
def provider_attachment_download(request, referral_id: int, attachment_id: int):
    """A provider's staff download what the referral shares, and nothing else."""
    attachment, referral = _shared_or_404(request.user, referral_id, attachment_id)
    access_record(
        request,
        AccessAction.VIEW_ATTACHMENT,
        case=referral.case,
        target=f"attachment {attachment.pk} (referral {referral.pk})",
    )
    return attachment_response(attachment)


@login_required
def provider_attachment_thumbnail(request, referral_id: int, attachment_id: int):
    """The thumbnail of what the referral shares, through the same scope as the provider's
    download (the staff thumbnail is the case scope's, which a provider is not in); not
    logged separately, as the staff thumbnails are not."""
    attachment, _referral = _shared_or_404(request.user, referral_id, attachment_id)
    if not attachment.thumbnail:
        raise Http404(_("This attachment has no thumbnail."))
    return thumbnail_response(attachment)


def _shared_or_404(user, referral_id: int, attachment_id: int):
    found = selectors.shared_attachment_for_provider(user, referral_id, attachment_id)
    if found is None:
        raise Http404(_("No such attachment shared with your service."))
    return found
