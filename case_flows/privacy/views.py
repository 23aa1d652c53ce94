"""Erasure pages: a case's erasure requests (and the form to record one), and a supervisor's
decision on one. Thin: validate, call one service or selector, render; a WorkflowError is a
message with its HTTP status; a case or request outside the user's reach is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from workflows.errors import WorkflowError

from ..cases.views import case_or_404, error_page
from ..models import ErasureStatus
from ..permissions import CasePerm
from . import erasure, selectors
from .forms import ErasureDecisionForm, ErasureRequestForm


def _render_case_erasure(request, case, form=None, status=200):
    person = case.person
    open_cases = erasure.open_cases_of(person)
    requests = list(selectors.erasure_requests_of(person.pk))
    pending = next((r for r in requests if r.status == ErasureStatus.PENDING), None)
    may_request = erasure.may_request_erasure(request.user, case)
    context = {
        "case": case,
        "person": person,
        "open_cases": open_cases,
        "requests": requests,
        "form": (form or ErasureRequestForm())
        if may_request and not open_cases and pending is None
        else None,
    }
    return render(request, "case_flows/privacy/case_erasure.html", context, status=status)


@login_required
def case_erasure(request, case_id: int):
    case = case_or_404(request.user, case_id)
    if request.method != "POST":
        return _render_case_erasure(request, case)
    form = ErasureRequestForm(request.POST)
    if not form.is_valid():
        return _render_case_erasure(request, case, form=form, status=400)
    try:
        made = erasure.erasure_request(
            case=case,
            actor=request.user,
            grounds=form.cleaned_data["grounds"],
            details=form.cleaned_data["details"],
        )
    except WorkflowError as exc:
        return error_page(
            request, exc, lambda status: _render_case_erasure(request, case, form, status)
        )
    if made.status == ErasureStatus.REFUSED:
        messages.warning(
            request, _("The request was refused: %(reason)s") % {"reason": made.decision_reason}
        )
    else:
        messages.success(request, _("The erasure request waits for a supervisor's decision."))
    return redirect("case_erasure", case_id=case.pk)


def _render_decision(request, erasure_request, form=None, status=200):
    user = request.user
    context = {
        "erasure_request": erasure_request,
        "case": erasure_request.case,
        "can_decide": erasure_request.status == ErasureStatus.PENDING
        and erasure_request.requested_by_id != user.pk
        and user.has_perm(CasePerm.APPROVE_CASE),
        "own_request": erasure_request.requested_by_id == user.pk,
        "legal_block": erasure.erasure_block(erasure_request.person, shown_on=erasure_request.case)
        if erasure_request.status == ErasureStatus.PENDING
        else None,
        "form": form or ErasureDecisionForm(),
    }
    return render(request, "case_flows/privacy/erasure_decide.html", context, status=status)


@login_required
def erasure_decide(request, request_id: int):
    erasure_request = selectors.erasure_request_for_user(request.user, request_id)
    if erasure_request is None:
        raise Http404(_("No such erasure request, or it is not in your work."))
    if request.method != "POST":
        return _render_decision(request, erasure_request)
    form = ErasureDecisionForm(request.POST)
    if not form.is_valid():
        return _render_decision(request, erasure_request, form=form, status=400)
    try:
        decided = erasure.erasure_decide(
            request=erasure_request,
            actor=request.user,
            approve=form.approve,
            reason=form.cleaned_data["reason"],
        )
    except WorkflowError as exc:
        return error_page(
            request, exc, lambda status: _render_decision(request, erasure_request, form, status)
        )
    if decided.status == ErasureStatus.DONE:
        messages.success(request, _("Approved: the person's data was anonymised."))
    else:
        messages.success(request, _("Refused: %(reason)s") % {"reason": decided.decision_reason})
    return redirect("approvals")
