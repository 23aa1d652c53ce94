"""Pages for referrals and service providers: the directory, a case's referrals, and the
"Referrals to us" list of an internal provider's staff.

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
from django.views.decorators.http import require_POST

from workflows.errors import WorkflowError

from ..cases.selectors import PAGE_SIZE
from ..cases.views import case_or_404, error_page
from ..models import Referral
from ..permissions import CasePerm
from . import selectors, services
from .forms import ProviderSearchForm, ReferralAnswerForm, ReferralSendForm

# --- the directory -------------------------------------------------------------------------


@login_required
def provider_directory(request):
    if not request.user.has_perm(CasePerm.VIEW_SERVICEPROVIDER):
        raise PermissionDenied(_("The directory of service providers is for staff."))
    form = ProviderSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    page = Paginator(selectors.providers_directory(query, user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "case_flows/referrals/directory.html",
        {"form": form, "query": query, "page": page},
    )


# --- a case's referrals (caseworker side) ---------------------------------------------------


def _render_case_referrals(request, case, send_form=None, status=200):
    user = request.user
    may_send = case.stage in services.REFERRAL_STAGES
    rows = selectors.case_referrals(case)
    for referral in rows:
        referral.case = case
        referral.may_answer = referral.is_open and services.may_record_answer(user, referral)
        if referral.may_answer:
            referral.answer_form = ReferralAnswerForm(
                referral=referral, auto_id=f"id_referral{referral.pk}_%s"
            )
    context = {
        "case": case,
        "referrals": rows,
        "send_form": (send_form or ReferralSendForm(providers=selectors.providers_for_case(case)))
        if may_send
        else None,
        "may_override": services.may_override_consent(user),
        "consent_at_intake": services.consent_given(case, consent_recorded=False),
    }
    return render(request, "case_flows/referrals/case_referrals.html", context, status=status)


@login_required
def case_referrals(request, case_id: int):
    case = case_or_404(request.user, case_id)
    if request.method != "POST":
        return _render_case_referrals(request, case)
    form = ReferralSendForm(request.POST, providers=selectors.providers_for_case(case))
    if not form.is_valid():
        return _render_case_referrals(request, case, send_form=form, status=400)
    data = form.cleaned_data
    try:
        services.referral_send(
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
        return error_page(
            request,
            exc,
            lambda status: _render_case_referrals(request, case, send_form=form, status=status),
        )
    messages.success(request, _("The referral was sent."))
    return redirect("case_referrals", case_id=case.pk)


def _apply_answer(referral, *, actor, action: str, comment: str):
    if action == "accept":
        return services.referral_accept(referral=referral, actor=actor, comment=comment)
    if action == "decline":
        return services.referral_decline(referral=referral, actor=actor, reason=comment)
    if action == "complete":
        return services.referral_complete(referral=referral, actor=actor, outcome=comment)
    return services.referral_withdraw(referral=referral, actor=actor, reason=comment)


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
    case = case_or_404(request.user, case_id)
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
        return error_page(
            request, exc, lambda status: _render_case_referrals(request, case, status=status)
        )
    messages.success(request, _answer_message(action))
    return redirect("case_referrals", case_id=case.pk)


# --- "Referrals to us" (an internal provider's staff) ---------------------------------------


@login_required
def provider_inbox(request):
    if not request.user.has_perm(CasePerm.RESPOND_REFERRAL):
        raise PermissionDenied(_("This page is for the staff of service providers."))
    page = Paginator(selectors.referrals_to_provider_of(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
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
    referral = selectors.referral_for_provider_user(request.user, referral_id)
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
        return error_page(
            request,
            exc,
            lambda status: _render_provider_referral(request, referral, form, status=status),
        )
    messages.success(request, _answer_message(action))
    return redirect("provider_inbox")
