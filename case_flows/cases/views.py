"""Case pages: case search, registering a case, the case page, the approvals page.

Views stay thin: validate a form, call one service or selector, render. A WorkflowError from
a service becomes a message on the re-rendered page with the error's HTTP status (409 for a
conflict, 403 for a refusal); a task, case or approval outside the user's scope is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.status import STATUS

from workflows.errors import WorkflowError
from workflows.queue import user_may_take
from workflows.sla.selectors import clocks_for_subject

from ..access_log import access_record
from ..casetypes.selectors import needs_shown
from ..models import AccessAction, Case, Stage
from ..permissions import (
    CasePerm,
    may_open_cases,
    may_produce_subject_access,
    may_work_cases,
    supervises,
)
from ..registry.merge import may_merge_people
from . import access as access_services
from . import selectors as case_selectors
from . import services as case_services
from .forms import (
    AccessGrantForm,
    AccessReasonForm,
    CaseSearchForm,
    PersonEditForm,
    ReassignForm,
    RelativeForm,
    ReopenForm,
    RiskForm,
)


def error_page(request, exc: WorkflowError, render_page):
    """Show the service's message on the page again, with the error's HTTP status."""
    messages.error(request, exc.message)
    return render_page(status=exc.status_code)


def case_of_task(task):
    return task.process.caseprocess.case


# --- cases -----------------------------------------------------------------------------------


@login_required
def case_list(request):
    form = CaseSearchForm(request.GET or None)
    # A search the form refuses (too long) lists nothing: its error says why, rather than
    # every case looking like its result.
    refused = form.is_bound and not form.is_valid()
    query = "" if refused or not form.is_bound else form.cleaned_data["q"]
    found = Case.objects.none() if refused else case_selectors.case_search(request.user, query)
    page = Paginator(found, case_selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    if not refused:
        # The list names clients across the user's scope: a search, even with no terms.
        access_record(request, AccessAction.SEARCH, target="case list", query=query)
    return render(
        request,
        "case_flows/case_list.html",
        {
            "form": form,
            "query": query,
            "refused": refused,
            "page": page,
            "cases": page.object_list,
            "capped": page.paginator.count >= case_selectors.SEARCH_CAP,
            "may_open_cases": may_open_cases(request.user),
            "may_break_glass": may_work_cases(request.user)
            and request.user.home_office_id is not None,
            "may_merge_people": may_merge_people(request.user),
        },
    )


def case_or_404(user, case_id: int):
    case = case_selectors.case_for_user(user, case_id)
    if case is None:
        raise Http404(_("No such case, or it is not in your work."))
    return case


def _access_panel(user, case, forms: dict) -> dict:
    """The access panel's part of the case page: the list of a restricted case and its
    forms for the owner and supervisor; on an ordinary case, the form to restrict it."""
    manage = access_services.may_manage_access(user, case)
    panel: dict = {"may_manage_access": manage}
    if case.is_restricted:
        access = panel["access"] = access_services.access_list(case)
        on_list = {access.owner.pk} if access.owner else set()
        on_list |= {u.pk for u in access.supervisors} | {g.user_id for g in access.grants}
        panel["grant_form"] = (
            (forms.get("grant_form") or AccessGrantForm(case=case, already_on_list=on_list))
            if manage
            else None
        )
        if access_services.may_lift_restriction(user, case):
            panel["lift_form"] = forms.get("lift_form") or AccessReasonForm(auto_id="id_lift_%s")
    elif manage and case.stage != Stage.CLOSED:
        panel["restrict_form"] = forms.get("restrict_form") or AccessReasonForm(
            auto_id="id_restrict_%s"
        )
    return panel


def _render_case(
    request,
    case,
    reopen_form=None,
    risk_form=None,
    relative_form=None,
    status=200,
    access_forms: dict | None = None,
):
    user = request.user
    access_record(request, AccessAction.VIEW_CASE, case=case)
    # A case its registering user may only read until it is allocated: no action offered.
    read_only = getattr(case, "read_only", False)
    tasks = case_selectors.case_open_tasks(case)
    user_supervises = supervises(user)
    for task in tasks:
        task.can_open = task.owner_id == user.pk
        task.can_claim = (
            not read_only
            and task.owner_id is None
            and task.flow_task.can_assign(user, task)
            and user_may_take(user, task)
        )
        # A supervisor or manager gives open work to someone else from the case page.
        task.reassign_form = (
            ReassignForm(task=task, auto_id=f"id_reassign_{task.pk}_%s")
            if user_supervises and not read_only and task.status in (STATUS.NEW, STATUS.ASSIGNED)
            else None
        )
    may_reopen = (
        not read_only and case.stage == Stage.CLOSED and user.has_perm(CasePerm.REOPEN_CASE)
    )
    may_change_risk = not read_only and case.stage != Stage.CLOSED and may_work_cases(user)
    records = case_selectors.case_records(case)
    clocks = clocks_for_subject(case)
    open_clocks = sum(1 for c in clocks if c.status in ("running", "paused"))
    assessment = records["assessment"]
    # The scores as given, with today's labels (a retired domain's too): one query, none
    # without an assessment.
    needs = needs_shown(assessment.needs) if assessment is not None else []
    context = {
        "case": case,
        "read_only": read_only,
        "tasks": tasks,
        "records": records,
        "needs": needs,
        "timeline": case_selectors.case_timeline(case),
        "clocks": clocks,
        "clocks_open_count": open_clocks,
        "clocks_closed_count": len(clocks) - open_clocks,
        "may_edit_person": not read_only
        and may_work_cases(user)
        and case.person.anonymised_at is None,
        "may_subject_access": not read_only and may_produce_subject_access(user, case),
        "reopen_form": (reopen_form or ReopenForm()) if may_reopen else None,
        "relative_form": (relative_form or RelativeForm()) if may_change_risk else None,
        "risk_form": (risk_form or RiskForm(initial={"risk": case.risk}))
        if may_change_risk
        else None,
        **_access_panel(user, case, access_forms or {}),
    }
    return render(request, "case_flows/case_detail.html", context, status=status)


@login_required
def case_detail(request, case_id: int):
    case = case_selectors.case_for_user(request.user, case_id, to_read=True)
    if case is None:
        # A sending office may keep read access to its own history of a transferred case.
        history = case_selectors.case_history_for_user(request.user, case_id)
        if history is None:
            raise Http404(_("No such case, or it is not in your work."))
        case, transfer = history
        until = transfer.decided_at
        if until is None:  # set whenever a transfer is accepted
            raise RuntimeError(f"Accepted transfer {transfer.pk} has no decision time.")
        access_record(request, AccessAction.VIEW_CASE, case=case, target="history")
        return render(
            request,
            "case_flows/transfers/case_history.html",
            {
                "case": case,
                "transfer": transfer,
                "timeline": case_selectors.case_history_until(case, until),
            },
        )
    return _render_case(request, case)


def _case_action(request, case_id, form_class, form_name, run, done, invalid_status=200):
    """A POST from the case page: validate the form, call one service, say what happened.
    Bad input re-renders the page with the form's errors; a refusal is a 403/409 page."""
    case = case_or_404(request.user, case_id)
    form = form_class(request.POST)

    def page(status):
        return _render_case(request, case, status=status, **{form_name: form})

    if not form.is_valid():
        return page(invalid_status)
    try:
        run(case, form.cleaned_data)
    except WorkflowError as exc:
        return error_page(request, exc, page)
    messages.success(request, done)
    return redirect("case_detail", case_id=case.pk)


@require_POST
@login_required
def case_reopen_view(request, case_id: int):
    return _case_action(
        request,
        case_id,
        ReopenForm,
        "reopen_form",
        lambda case, data: case_services.case_reopen(
            case=case, actor=request.user, comment=data["comment"]
        ),
        _("The case was reopened and goes back to assessment."),
    )


@require_POST
@login_required
def case_risk_view(request, case_id: int):
    return _case_action(
        request,
        case_id,
        RiskForm,
        "risk_form",
        lambda case, data: case_services.case_change_risk(case=case, actor=request.user, **data),
        _("The risk level was changed."),
    )


# --- approvals -------------------------------------------------------------------------------


# --- rectification: the client's details -----------------------------------------------------


@login_required
def person_edit(request, case_id: int):
    """Correct the client's details from their case; each change is kept on its timeline."""
    case = case_or_404(request.user, case_id)
    person = case.person

    def page(form, status=200, current=None):
        context = {"case": case, "form": form, "current": current}
        return render(request, "case_flows/person_edit.html", context, status=status)

    if request.method != "POST":
        initial = {name: getattr(person, name) for name in case_services.PERSON_FIELDS}
        return page(
            PersonEditForm(initial={**initial, "version": person.version}, office=case.office)
        )
    form = PersonEditForm(request.POST, office=case.office)
    if not form.is_valid():
        return page(form, status=400)
    try:
        changed = case_services.person_update(
            actor=request.user,
            person=person,
            case=case,
            version=form.cleaned_data["version"],
            **form.changes(),
        )
    except case_services.PersonChangedMeanwhile as exc:
        messages.error(request, exc.message)
        # The user's values stay in the form, now on the current version: saving again is a
        # deliberate choice made with the current details in view.
        data = request.POST.copy()
        data["version"] = str(exc.person.version)
        retry = PersonEditForm(data, office=case.office)
        retry.is_valid()
        return page(retry, status=409, current=exc.person)
    except WorkflowError as exc:
        return error_page(request, exc, lambda status: page(form, status=status))
    if not changed:
        messages.info(request, _("Nothing changed."))
    else:
        messages.success(request, _("The client's details were saved."))
    return redirect("case_detail", case_id=case.pk)
