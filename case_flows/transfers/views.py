"""Pages for transfers: a case's transfer page (to another office, or to another caseworker of
the same office), the receiving office's incoming requests, and the decision on one.

Thin like case_flows.cases.views: validate a form, call one service or selector, render; a
WorkflowError becomes a message with its HTTP status; anything outside the user's reach is 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from workflows.errors import WorkflowError

from ..cases.selectors import PAGE_SIZE
from ..cases.views import case_or_404, error_page
from ..models import Stage
from ..permissions import CasePerm, can_see_case
from . import selectors, services
from .forms import SameOfficeTransferForm, TransferDecisionForm, TransferRequestForm


def _render_transfer(request, case, request_form=None, within_form=None, status=200):
    user = request.user
    may_request = services.may_request_transfer(user, case)
    may_within = (
        case.stage != Stage.CLOSED
        and user.has_perm(CasePerm.ALLOCATE_CASE)
        and can_see_case(user, case)
    )
    pending = selectors.pending_transfer_of(case)
    context = {
        "case": case,
        "pending": pending,
        "request_form": (request_form or TransferRequestForm(case=case))
        if may_request and pending is None
        else None,
        "may_cancel": pending is not None and may_request,
        "within_form": (
            within_form
            or SameOfficeTransferForm(caseworkers=selectors.caseworkers_of_office(case.office_id))
        )
        if may_within
        else None,
    }
    return render(request, "case_flows/transfers/case_transfer.html", context, status=status)


@login_required
def case_transfer(request, case_id: int):
    case = case_or_404(request.user, case_id)
    if request.method != "POST":
        return _render_transfer(request, case)
    action = request.POST.get("action", "")
    try:
        if action == "within":
            within_form = SameOfficeTransferForm(
                request.POST, caseworkers=selectors.caseworkers_of_office(case.office_id)
            )
            if not within_form.is_valid():
                return _render_transfer(request, case, within_form=within_form, status=400)
            services.case_transfer_within_office(
                case=case,
                actor=request.user,
                caseworker=within_form.cleaned_data["caseworker"],
                reason=within_form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _("The case was given to %(who)s.")
                % {"who": within_form.cleaned_data["caseworker"]},
            )
            return redirect("case_list")
        if action == "cancel":
            pending = selectors.pending_transfer_of(case)
            if pending is None:
                raise Http404(_("No transfer of this case waits for an answer."))
            services.transfer_cancel(transfer=pending, actor=request.user)
            messages.success(request, _("The transfer request was cancelled."))
            return redirect("case_detail", case_id=case.pk)
        form = TransferRequestForm(request.POST, case=case)
        if not form.is_valid():
            return _render_transfer(request, case, request_form=form, status=400)
        services.transfer_request(
            case=case,
            actor=request.user,
            to_office=form.cleaned_data["to_office"],
            reason=form.cleaned_data["reason"],
        )
    except WorkflowError as exc:
        return error_page(
            request, exc, lambda status: _render_transfer(request, case, status=status)
        )
    messages.success(
        request,
        _(
            "The transfer was requested; the case stays with your office "
            "until %(office)s accepts it."
        )
        % {"office": form.cleaned_data["to_office"]},
    )
    return redirect("case_detail", case_id=case.pk)


@login_required
def transfers_incoming(request):
    if not request.user.has_perm(CasePerm.ALLOCATE_CASE):
        raise PermissionDenied(_("Only supervisors answer transfer requests."))
    page = Paginator(selectors.transfers_incoming_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "case_flows/transfers/incoming.html", {"page": page})


def _render_decision(request, transfer, form=None, status=200):
    form = form or TransferDecisionForm(
        caseworkers=selectors.caseworkers_of_office(transfer.to_office_id)
    )
    return render(
        request,
        "case_flows/transfers/decide.html",
        {"transfer": transfer, "case": transfer.case, "form": form},
        status=status,
    )


@login_required
def transfer_decide(request, transfer_id: int):
    transfer = selectors.transfer_for_receiver(request.user, transfer_id)
    if transfer is None:
        raise Http404(_("No such transfer request, or it is not for your office."))
    if request.method != "POST":
        return _render_decision(request, transfer)
    form = TransferDecisionForm(
        request.POST, caseworkers=selectors.caseworkers_of_office(transfer.to_office_id)
    )
    if not form.is_valid():
        return _render_decision(request, transfer, form, status=400)
    data = form.cleaned_data
    try:
        if data["accept"] == "yes":
            services.transfer_accept(
                transfer=transfer, actor=request.user, caseworker=data["caseworker"]
            )
            messages.success(
                request,
                _("Case %(reference)s is now with your office, allocated to %(who)s.")
                % {"reference": transfer.case.reference, "who": data["caseworker"]},
            )
            return redirect("case_detail", case_id=transfer.case_id)
        services.transfer_decline(transfer=transfer, actor=request.user, reason=data["reason"])
    except WorkflowError as exc:
        return error_page(
            request, exc, lambda status: _render_decision(request, transfer, form, status=status)
        )
    messages.success(request, _("The transfer was declined."))
    return redirect("transfers_incoming")
