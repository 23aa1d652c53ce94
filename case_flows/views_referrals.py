"""Pages for referrals and service providers, transfers and a transferred case's history.

Thin like case_flows.views: validate a form, call one service or selector, render; a
WorkflowError becomes a message with its HTTP status; anything outside the user's reach is 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.scope import can_see
from workflows.errors import WorkflowError

from . import referrals, selectors, transfers
from .forms import (
    ProviderSearchForm,
    ReferralAnswerForm,
    ReferralSendForm,
    SameOfficeTransferForm,
    TransferDecisionForm,
    TransferRequestForm,
)
from .models import Referral, Stage
from .permissions import CasePerm
from .views import _error_page


def _case_or_404(user, case_id: int):
    case = selectors.case_for_user(user, case_id)
    if case is None:
        raise Http404(_("No such case, or it is not in your work."))
    return case


# --- the directory -------------------------------------------------------------------------


@login_required
def provider_directory(request):
    if not request.user.has_perm(CasePerm.VIEW_SERVICEPROVIDER):
        raise PermissionDenied(_("The directory of service providers is for staff."))
    form = ProviderSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    page = Paginator(
        referrals.providers_directory(query, user=request.user), selectors.PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "case_flows/referrals/directory.html",
        {"form": form, "query": query, "page": page},
    )


# --- a case's referrals (caseworker side) ---------------------------------------------------


def _render_case_referrals(request, case, send_form=None, status=200):
    user = request.user
    may_send = case.stage in referrals.REFERRAL_STAGES
    rows = referrals.case_referrals(case)
    for referral in rows:
        referral.case = case
        referral.may_answer = referral.is_open and referrals.may_record_answer(user, referral)
        if referral.may_answer:
            referral.answer_form = ReferralAnswerForm(
                referral=referral, auto_id=f"id_referral{referral.pk}_%s"
            )
    context = {
        "case": case,
        "referrals": rows,
        "send_form": (send_form or ReferralSendForm(providers=referrals.providers_for_case(case)))
        if may_send
        else None,
        "may_override": referrals.may_override_consent(user),
        "consent_at_intake": referrals.consent_given(case, consent_recorded=False),
    }
    return render(request, "case_flows/referrals/case_referrals.html", context, status=status)


@login_required
def case_referrals(request, case_id: int):
    case = _case_or_404(request.user, case_id)
    if request.method != "POST":
        return _render_case_referrals(request, case)
    form = ReferralSendForm(request.POST, providers=referrals.providers_for_case(case))
    if not form.is_valid():
        return _render_case_referrals(request, case, send_form=form, status=400)
    data = form.cleaned_data
    try:
        referrals.referral_send(
            case=case,
            actor=request.user,
            service_type=data["service_type"],
            provider=data["provider"],
            provider_name=data["provider_name"],
            urgency=data["urgency"],
            consent_recorded=data["consent_recorded"],
            notes=data["notes"],
            override_reason=data["override_reason"],
        )
    except WorkflowError as exc:
        return _error_page(
            request,
            exc,
            lambda status: _render_case_referrals(request, case, send_form=form, status=status),
        )
    messages.success(request, _("The referral was sent."))
    return redirect("case_referrals", case_id=case.pk)


def _apply_answer(referral, *, actor, action: str, comment: str):
    if action == "accept":
        return referrals.referral_accept(referral=referral, actor=actor, comment=comment)
    if action == "decline":
        return referrals.referral_decline(referral=referral, actor=actor, reason=comment)
    if action == "complete":
        return referrals.referral_complete(referral=referral, actor=actor, outcome=comment)
    return referrals.referral_withdraw(referral=referral, actor=actor, reason=comment)


def _answer_message(action: str) -> str:
    return {
        "accept": _("The referral is recorded as accepted."),
        "decline": _("The referral is recorded as declined."),
        "complete": _("The referral is recorded as completed."),
        "withdraw": _("The referral was withdrawn."),
    }[action]


@require_POST
@login_required
def case_referral_answer(request, case_id: int, referral_id: int):
    """The caseworker records an external provider's answer, or withdraws a referral."""
    case = _case_or_404(request.user, case_id)
    referral = Referral.objects.filter(case=case, pk=referral_id).select_related("provider").first()
    if referral is None:
        raise Http404(_("No such referral on this case."))
    form = ReferralAnswerForm(request.POST, referral=referral)
    if not form.is_valid():
        messages.error(request, _("Choose an answer."))
        return _render_case_referrals(request, case, status=400)
    action = form.cleaned_data["action"]
    try:
        _apply_answer(
            referral, actor=request.user, action=action, comment=form.cleaned_data["comment"]
        )
    except WorkflowError as exc:
        return _error_page(
            request, exc, lambda status: _render_case_referrals(request, case, status=status)
        )
    messages.success(request, _answer_message(action))
    return redirect("case_referrals", case_id=case.pk)


# --- "Referrals to us" (an internal provider's staff) ---------------------------------------


@login_required
def provider_inbox(request):
    if not request.user.has_perm(CasePerm.RESPOND_REFERRAL):
        raise PermissionDenied(_("This page is for the staff of service providers."))
    page = Paginator(
        referrals.referrals_to_provider_of(request.user), selectors.PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "case_flows/referrals/provider_inbox.html", {"page": page})


def _render_provider_referral(request, referral, form=None, status=200):
    return render(
        request,
        "case_flows/referrals/provider_referral.html",
        {
            "referral": referral,
            "form": form or ReferralAnswerForm(referral=referral, withdraw=False),
        },
        status=status,
    )


@login_required
def provider_referral(request, referral_id: int):
    referral = referrals.referral_for_provider_user(request.user, referral_id)
    if referral is None:
        raise Http404(_("No such referral to your service."))
    if request.method != "POST":
        return _render_provider_referral(request, referral)
    form = ReferralAnswerForm(request.POST, referral=referral, withdraw=False)
    if not form.is_valid():
        messages.error(request, _("Choose an answer."))
        return _render_provider_referral(request, referral, form, status=400)
    action = form.cleaned_data["action"]
    try:
        _apply_answer(
            referral, actor=request.user, action=action, comment=form.cleaned_data["comment"]
        )
    except WorkflowError as exc:
        return _error_page(
            request,
            exc,
            lambda status: _render_provider_referral(request, referral, form, status=status),
        )
    messages.success(request, _answer_message(action))
    return redirect("provider_inbox")


# --- transfers ------------------------------------------------------------------------------


def _render_transfer(request, case, request_form=None, within_form=None, status=200):
    user = request.user
    may_request = transfers.may_request_transfer(user, case)
    may_within = (
        case.stage != Stage.CLOSED
        and user.has_perm(CasePerm.ALLOCATE_CASE)
        and can_see(user, office_id=case.office_id, team_id=case.team_id, owner_id=case.owner_id)
    )
    pending = transfers.pending_transfer_of(case)
    context = {
        "case": case,
        "pending": pending,
        "request_form": (request_form or TransferRequestForm(case=case))
        if may_request and pending is None
        else None,
        "may_cancel": pending is not None and may_request,
        "within_form": (
            within_form
            or SameOfficeTransferForm(caseworkers=transfers.caseworkers_of_office(case.office_id))
        )
        if may_within
        else None,
    }
    return render(request, "case_flows/transfers/case_transfer.html", context, status=status)


@login_required
def case_transfer(request, case_id: int):
    case = _case_or_404(request.user, case_id)
    if request.method != "POST":
        return _render_transfer(request, case)
    action = request.POST.get("action", "")
    try:
        if action == "within":
            form = SameOfficeTransferForm(
                request.POST, caseworkers=transfers.caseworkers_of_office(case.office_id)
            )
            if not form.is_valid():
                return _render_transfer(request, case, within_form=form, status=400)
            transfers.case_transfer_within_office(
                case=case,
                actor=request.user,
                caseworker=form.cleaned_data["caseworker"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _("The case was given to %(who)s.") % {"who": form.cleaned_data["caseworker"]},
            )
            return redirect("case_list")
        if action == "cancel":
            pending = transfers.pending_transfer_of(case)
            if pending is None:
                raise Http404(_("No transfer of this case waits for an answer."))
            transfers.transfer_cancel(transfer=pending, actor=request.user)
            messages.success(request, _("The transfer request was cancelled."))
            return redirect("case_detail", case_id=case.pk)
        form = TransferRequestForm(request.POST, case=case)
        if not form.is_valid():
            return _render_transfer(request, case, request_form=form, status=400)
        transfers.transfer_request(
            case=case,
            actor=request.user,
            to_office=form.cleaned_data["to_office"],
            reason=form.cleaned_data["reason"],
        )
    except WorkflowError as exc:
        return _error_page(
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
    page = Paginator(transfers.transfers_incoming_for(request.user), selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "case_flows/transfers/incoming.html", {"page": page})


def _render_decision(request, transfer, form=None, status=200):
    form = form or TransferDecisionForm(
        caseworkers=transfers.caseworkers_of_office(transfer.to_office_id)
    )
    return render(
        request,
        "case_flows/transfers/decide.html",
        {"transfer": transfer, "case": transfer.case, "form": form},
        status=status,
    )


@login_required
def transfer_decide(request, transfer_id: int):
    transfer = transfers.transfer_for_receiver(request.user, transfer_id)
    if transfer is None:
        raise Http404(_("No such transfer request, or it is not for your office."))
    if request.method != "POST":
        return _render_decision(request, transfer)
    form = TransferDecisionForm(
        request.POST, caseworkers=transfers.caseworkers_of_office(transfer.to_office_id)
    )
    if not form.is_valid():
        return _render_decision(request, transfer, form, status=400)
    data = form.cleaned_data
    try:
        if data["accept"] == "yes":
            transfers.transfer_accept(
                transfer=transfer, actor=request.user, caseworker=data["caseworker"]
            )
            messages.success(
                request,
                _("Case %(reference)s is now with your office, allocated to %(who)s.")
                % {"reference": transfer.case.reference, "who": data["caseworker"]},
            )
            return redirect("case_detail", case_id=transfer.case_id)
        transfers.transfer_decline(transfer=transfer, actor=request.user, reason=data["reason"])
    except WorkflowError as exc:
        return _error_page(
            request, exc, lambda status: _render_decision(request, transfer, form, status=status)
        )
    messages.success(request, _("The transfer was declined."))
    return redirect("transfers_incoming")
