"""Case pages: case search, registering a case, the case page, the approvals page.

Views stay thin: validate a form, call one service or selector, render. A WorkflowError from
a service becomes a message on the re-rendered page with the error's HTTP status (409 for a
conflict, 403 for a refusal); a task, case or approval outside the user's scope is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from workflows.approvals.models import ApprovalStatus
from workflows.approvals.services import approval_decide, approval_withdraw
from workflows.errors import WorkflowError

from ..access_log import access_record
from ..cases import selectors as case_selectors
from ..cases.forms import (
    ReassignForm,
)
from ..cases.views import error_page
from ..casetypes.selectors import needs_shown
from ..models import AccessAction
from ..permissions import CasePerm, supervises
from ..privacy.selectors import erasure_requests_pending_for
from . import selectors as work_selectors
from .forms import DecisionForm, WithdrawForm


@login_required
def approvals(request):
    if not request.user.has_perm(CasePerm.APPROVE_CASE):
        raise PermissionDenied(_("Only supervisors and managers decide approvals."))
    pending = work_selectors.approvals_pending_for(request.user)
    page = Paginator(pending, case_selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = work_selectors.attach_cases(page.object_list)
    erasure_requests = list(erasure_requests_pending_for(request.user)[: case_selectors.PAGE_SIZE])
    return render(
        request,
        "case_flows/approvals.html",
        {"page": page, "erasure_requests": erasure_requests},
    )


def _render_approval(request, approval, decision_form=None, withdraw_form=None, status=200):
    user = request.user
    pending = approval.status == ApprovalStatus.PENDING
    record = work_selectors.approval_record(approval)
    access_record(
        request,
        AccessAction.VIEW_RECORD,
        case=getattr(approval, "case", None),  # attached by approval_for_user
        target=f"approval: {approval.kind}",
    )
    needs = []
    if approval.kind == "assessment" and record is not None:
        needs = needs_shown(record.needs)
    context = {
        "approval": approval,
        "case": approval.case,
        "record": record,
        "needs": needs,
        "timeline": case_selectors.case_timeline(approval.case, limit=10),
        "can_decide": pending
        and approval.requested_by_id != user.pk
        and user.has_perm(CasePerm.APPROVE_CASE),
        "can_withdraw": pending and approval.requested_by_id == user.pk,
        # A manager (or supervisor) hands the decision to someone else, e.g. during absence.
        "reassign_form": ReassignForm(task=approval.task)
        if pending and approval.task_id and supervises(user)
        else None,
        "decision_form": decision_form or DecisionForm(),
        "withdraw_form": withdraw_form or WithdrawForm(),
    }
    return render(request, "case_flows/approval_detail.html", context, status=status)


@login_required
def approval_detail(request, approval_id: int):
    approval = work_selectors.approval_for_user(request.user, approval_id)
    if approval is None:
        raise Http404(_("No such approval request, or it is not in your work."))
    if request.method != "POST":
        return _render_approval(request, approval)
    case = approval.case  # type: ignore[attr-defined]  # attached by approval_for_user

    if request.POST.get("action") == "withdraw":
        form = WithdrawForm(request.POST)
        form.is_valid()
        try:
            approval_withdraw(
                approval=approval, actor=request.user, comment=form.cleaned_data.get("comment", "")
            )
        except WorkflowError as exc:
            return error_page(
                request,
                exc,
                lambda status: _render_approval(
                    request, approval, withdraw_form=form, status=status
                ),
            )
        messages.success(request, _("You withdrew the request; the work is back with you."))
        return redirect("case_detail", case_id=case.pk)

    decision = DecisionForm(request.POST)
    if not decision.is_valid():
        return _render_approval(request, approval, decision_form=decision)
    try:
        approval_decide(
            approval=approval,
            actor=request.user,
            approve=decision.approve,
            comment=decision.cleaned_data["comment"],
        )
    except WorkflowError as exc:
        return error_page(
            request,
            exc,
            lambda status: _render_approval(
                request, approval, decision_form=decision, status=status
            ),
        )
    if decision.approve:
        messages.success(request, _("Approved: %(case)s moves on.") % {"case": case})
    else:
        messages.success(
            request,
            _("Returned to the caseworker for revision: %(case)s.") % {"case": case},
        )
    return redirect(reverse("approvals"))
