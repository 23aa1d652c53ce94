"""The attachments sections of the case page, the task pages and the referral pages: tags, so
the pages of lower rooms (cases, work) and sibling rooms (referrals) need not import
case_flows.documents."""

from django import template
from django.urls import reverse

from case_flows.documents import selectors, services
from case_flows.documents.forms import TASK_RECORD_PENDING, AttachmentForm, ReferralShareForm

register = template.Library()


def _live(case):
    """The case's attachments, read once per request whatever the number of tags."""
    return selectors.live_attachments(case)


def _listed(user, case):
    attachments = _live(case)
    for attachment in attachments:
        attachment.may_delete = services.may_delete(user, attachment, case)
    return attachments


@register.inclusion_tag("case_flows/documents/_section.html", takes_context=True)
def attachments_section(context, case, records=None) -> dict:
    """The case page's section: the list with thumbnails and the upload form (from the
    records the page already loaded: no query beyond the list's one)."""
    request = context["request"]
    user = request.user
    may = services.may_attach(user, case) and not context.get("read_only")
    relatives = [rel.relative for rel in (records or {}).get("relatives", [])]
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "case": case,
        "attachments": _listed(user, case),
        "form": AttachmentForm(case=case, records=records, relatives=relatives) if may else None,
        "next": reverse("case_detail", args=[case.pk]) + "#attachments",
    }


@register.inclusion_tag("case_flows/documents/_section.html", takes_context=True)
def task_attachments(context, case, task) -> dict:
    """A task page's section: what the case holds, and an upload that belongs by default to
    the record the task writes (services.TASK_RECORDS): the intake at once; a record written
    when the task is submitted gets the files then, and until then the list says what each
    waits for. Pages of tasks that write no record attach to the case. The upload is sent in
    the background where script runs (static/js/app.js), so what is typed above stays."""
    request = context["request"]
    user = request.user
    column = services.TASK_RECORDS.get(getattr(task.flow_task, "name", ""), "")
    form = None
    if services.may_attach(user, case):
        form = AttachmentForm(case=case, task=task if column else None, task_record=column)
    attachments = _listed(user, case)
    pending = TASK_RECORD_PENDING.get(column)
    if pending:
        for attachment in attachments:
            if attachment.task_id == task.pk and not attachment.record_label:
                attachment.pending_label = pending
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "case": case,
        "attachments": attachments,
        "form": form,
        "next": request.get_full_path(),
        "in_place": True,
    }


@register.inclusion_tag("case_flows/documents/_record_files.html")
def record_attachments(case, record, column: str) -> dict:
    """The case's attachments that belong to `record` (named by `column`), from the list the
    page read already: the case page shows them under each record, with no query of its own."""
    files = (
        []
        if record is None
        else [a for a in _live(case) if getattr(a, f"{column}_id") == record.pk]
    )
    return {"files": files}


@register.inclusion_tag("case_flows/documents/_referral_sharing.html", takes_context=True)
def referral_sharing(context, referral, case) -> dict:
    """On the case's referrals page: which of the case's attachments the referral shares."""
    request = context["request"]
    live = _live(case)
    form = None
    if referral.is_open and services.may_attach(request.user, case) and live:
        # Only the live ones: a deleted attachment stays in the link table (the provider no
        # longer sees it) and must not be counted.
        in_use = {str(a.pk) for a in live}
        shared = [
            pk
            for pk in map(str, referral.shared_attachments.values_list("pk", flat=True))
            if pk in in_use
        ]
        form = ReferralShareForm(
            attachments=live,
            initial={"attachments": shared},
            auto_id=f"id_share{referral.pk}_%s",
        )
        shared_count = len(shared)
    else:
        shared_count = 0
    return {
        "csrf_token": context.get("csrf_token"),
        "referral": referral,
        "form": form,
        "shared_count": shared_count,
    }


@register.inclusion_tag("case_flows/documents/_provider_shared.html", takes_context=True)
def provider_shared_attachments(context, referral) -> dict:
    return {
        "referral": referral,
        "attachments": selectors.referral_shared_attachments(referral),
    }
