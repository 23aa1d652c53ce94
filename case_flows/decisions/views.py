"""Decision pages: a case's decisions (list, start one), one decision (issue, delivery, appeal,
the appeal body's answer) and the KPA art. 36 notice. Thin: a form, one service, a message; a
WorkflowError is shown on the page with its status (409 for an illegal move or a lost race)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from workflows.errors import WorkflowError

from ..access_log import access_record
from ..cases.views import case_or_404, error_page
from ..models import AccessAction, DecisionStatus, DelayNotice, DelayNoticeStatus
from ..permissions import can_work_on
from . import selectors, services
from .forms import (
    AppealAnswerForm,
    AppealForm,
    DelayNoticeForm,
    DeliveryForm,
    SignerForm,
    StartDecisionForm,
)


def _render_list(request, case, form=None, status=200):
    access_record(request, AccessAction.VIEW_CASE, case=case, target="decisions")
    may = can_work_on(request.user, case) and not getattr(case, "read_only", False)
    kinds = selectors.kinds_for_office(case.office)
    return render(
        request,
        "case_flows/decisions/list.html",
        {
            "case": case,
            "decisions": selectors.case_decisions(case),
            "notices": selectors.case_delay_notices(case),
            "form": (form or StartDecisionForm(kinds=kinds)) if may and kinds else None,
        },
        status=status,
    )


@login_required
def case_decisions(request, case_id: int):
    case = case_or_404(request.user, case_id)
    if request.method != "POST":
        return _render_list(request, case)
    form = StartDecisionForm(request.POST, kinds=selectors.kinds_for_office(case.office))
    if not form.is_valid():
        return _render_list(request, case, form, status=400)
    try:
        decision = services.decision_start(case=case, actor=request.user, kind=form.chosen_kind())
    except WorkflowError as exc:
        return error_page(request, exc, lambda status: _render_list(request, case, form, status))
    task = services.preparation_task(decision)
    if task is not None and task.owner_id == request.user.pk:
        messages.success(request, _("A draft decision was started: fill it in."))
        return redirect("task", task_id=task.pk)
    messages.success(
        request, _("A draft decision was started; preparing it is a task of the caseworker.")
    )
    return redirect("decision_detail", case_id=case.pk, decision_id=decision.pk)


ACTIONS = {
    "sign": (SignerForm, "signer_form"),
    "deliver": (DeliveryForm, "delivery_form"),
    "appeal": (AppealForm, "appeal_form"),
    "answer": (AppealAnswerForm, "answer_form"),
}


def _render_decision(request, case, decision, forms=None, status=200):
    access_record(request, AccessAction.VIEW_RECORD, case=case, target="decision")
    forms = forms or {}
    may = can_work_on(request.user, case) and not getattr(case, "read_only", False)
    context = {
        "case": case,
        "decision": decision,
        "may_work": may,
        "task": services.preparation_task(decision),
        "missing": [
            services.ELEMENTS[key] for key in services.missing_elements(decision, for_issue=True)
        ]
        if decision.status == DecisionStatus.APPROVED
        else [],
        "signature_missing": decision.status == DecisionStatus.APPROVED
        and not (decision.signer_name.strip() and decision.signer_position.strip()),
        "appeal_period_end": services.appeal_period_end(decision)
        if decision.delivered_on
        else None,
    }
    if may:
        status_forms = {
            DecisionStatus.APPROVED: ["signer_form"]
            if context["signature_missing"] and services.may_complete_signer(request.user, decision)
            else [],
            DecisionStatus.ISSUED: ["delivery_form"],
            DecisionStatus.DELIVERED: ["appeal_form"],
            DecisionStatus.FINAL: ["appeal_form"] if decision.kind.appealable else [],
            DecisionStatus.APPEALED: ["answer_form"],
        }.get(decision.status, [])
        for form_class, name in ACTIONS.values():
            if name in status_forms:
                context[name] = forms.get(name) or form_class(
                    initial={
                        "signer_name": decision.signer_name,
                        "signer_position": decision.signer_position,
                    }
                    if name == "signer_form"
                    else None
                )
    return render(request, "case_flows/decisions/detail.html", context, status=status)


@login_required
def decision_detail(request, case_id: int, decision_id: int):
    case = case_or_404(request.user, case_id)
    decision = selectors.decision_of_case(case, decision_id)
    if decision is None:
        raise Http404(_("No such decision on this case."))
    if request.method != "POST":
        return _render_decision(request, case, decision)
    action = request.POST.get("action", "")
    forms: dict = {}
    try:
        if action == "issue":
            decision = services.decision_issue(decision=decision, actor=request.user)
            done = _("Decision %(number)s was issued; the PDF is on the case.") % {
                "number": decision.number
            }
        elif action in ACTIONS:
            form_class, name = ACTIONS[action]
            form = forms[name] = form_class(request.POST)
            if not form.is_valid():
                return _render_decision(request, case, decision, forms, status=400)
            done = _run(action, decision, request.user, form.cleaned_data)
        else:
            raise Http404(_("Unknown action."))
    except WorkflowError as exc:
        decision = selectors.decision_of_case(case, decision_id)
        return error_page(
            request, exc, lambda status: _render_decision(request, case, decision, forms, status)
        )
    messages.success(request, done)
    return redirect("decision_detail", case_id=case.pk, decision_id=decision.pk)


def _run(action: str, decision, actor, data) -> str:
    if action == "sign":
        services.decision_sign(decision=decision, actor=actor, **data)
        return _("The signer was recorded; the decision can be issued.")
    if action == "deliver":
        services.decision_deliver(decision=decision, actor=actor, **data)
        return _("The delivery was recorded.")
    if action == "appeal":
        services.decision_appeal(decision=decision, actor=actor, **data)
        return _("The appeal was recorded; the case waits for the appeal body's answer.")
    services.decision_appeal_answer(decision=decision, actor=actor, **data)
    return _("The appeal body's answer was recorded.")


def _render_notice(request, case, notice, form=None, status=200):
    access_record(request, AccessAction.VIEW_RECORD, case=case, target="kpa art. 36 notice")
    may = (
        can_work_on(request.user, case)
        and notice.status == DelayNoticeStatus.DRAFT
        and not getattr(case, "read_only", False)
    )
    return render(
        request,
        "case_flows/decisions/delay_notice.html",
        {"case": case, "notice": notice, "form": (form or DelayNoticeForm()) if may else None},
        status=status,
    )


@login_required
def delay_notice(request, case_id: int, notice_id: int):
    case = case_or_404(request.user, case_id)
    notice = DelayNotice.objects.filter(case=case, pk=notice_id).select_related("clock").first()
    if notice is None:
        raise Http404(_("No such notice on this case."))
    if request.method != "POST":
        return _render_notice(request, case, notice)
    form = DelayNoticeForm(request.POST)
    if not form.is_valid():
        return _render_notice(request, case, notice, form, status=400)
    try:
        services.delay_notice_send(notice=notice, actor=request.user, **form.cleaned_data)
    except WorkflowError as exc:
        notice.refresh_from_db()
        return error_page(
            request, exc, lambda status: _render_notice(request, case, notice, form, status)
        )
    messages.success(request, _("The notice was sent; its PDF is on the case."))
    return redirect("case_decisions", case_id=case.pk)
