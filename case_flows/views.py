"""Case pages: the inbox, task pages, case search and case page, the approvals page.

Views stay thin: validate a form, call one service or selector, render. A WorkflowError from
a service becomes a message on the re-rendered page with the error's HTTP status (409 for a
conflict, 403 for a refusal); a task, case or approval outside the user's scope is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.status import STATUS

from accounts.scope import can_see
from workflows.approvals.models import ApprovalStatus
from workflows.approvals.services import approval_decide, approval_withdraw
from workflows.errors import WorkflowError
from workflows.queue import OPEN_STATUSES, task_claim, task_reassign, task_release, user_may_take
from workflows.sla.selectors import clocks_for_subject

from . import referrals, selectors, services
from .forms import (
    AllocateForm,
    AssessmentForm,
    CaseRegisterForm,
    CaseReviewForm,
    CaseSearchForm,
    ClosureForm,
    DecisionForm,
    FollowUpForm,
    InboxFilterForm,
    IntakeForm,
    OverdueReviewForm,
    PlanActionFormSet,
    PlanForm,
    ReassessmentForm,
    ReassignForm,
    ReferralFormSet,
    ReferralsDoneForm,
    RelativeForm,
    ReopenForm,
    RiskForm,
    WithdrawForm,
)
from .models import NEED_DOMAINS, NeedLevel, Stage
from .permissions import CasePerm, may_open_cases, may_work_cases, supervises

APPROVAL_NODES = {"approve_assessment", "approve_plan", "approve_closure"}
INBOX_TABS = ("mine", "queue")


def _error_page(request, exc: WorkflowError, render_page):
    """Show the service's message on the page again, with the error's HTTP status."""
    messages.error(request, exc.message)
    return render_page(status=exc.status_code)


def _case_of(task):
    return task.process.caseprocess.case


# --- inbox ---------------------------------------------------------------------------------


# The inbox's sortable columns and the order a first click on each gives (highest risk first).
INBOX_SORT_COLUMNS = {"due": "due", "risk": "-risk", "case": "case", "client": "client"}


def _sort_headers(current: str) -> dict:
    """Per sortable column: the order its header link asks for and its aria-sort state."""
    headers = {}
    for column, first in INBOX_SORT_COLUMNS.items():
        if current.lstrip("-") == column:
            descending = current.startswith("-")
            headers[column] = {
                "sort": column if descending else f"-{column}",
                "aria_sort": "descending" if descending else "ascending",
            }
        else:
            headers[column] = {"sort": first, "aria_sort": None}
    return headers


@login_required
def inbox(request):
    tab = request.GET.get("tab") if request.GET.get("tab") in INBOX_TABS else "mine"
    filters = InboxFilterForm(request.GET or None)
    criteria = filters.criteria()
    sort = filters.chosen_sort()
    queue_ids = selectors.queue_process_ids(request.user)  # once, for the count and the list
    counts = selectors.inbox_counts(request.user, process_ids=queue_ids, **criteria)
    tasks = selectors.inbox_tasks(
        request.user, tab=tab, sort=sort, process_ids=queue_ids, **criteria
    )
    known = counts["mine"] if tab == "mine" else counts["queue"]
    page = CountedPaginator(tasks, selectors.PAGE_SIZE, known_count=known).get_page(
        request.GET.get("page")
    )
    selectors.attach_deadlines(page.object_list)
    selectors.attach_returns(page.object_list)
    for task in page.object_list:
        task.case = _case_of(task)
    return render(
        request,
        "case_flows/inbox.html",
        {
            "tab": tab,
            "filters": filters,
            "counts": counts,
            "page": page,
            "sort": sort,
            "headers": _sort_headers(sort),
            "filtered": any(criteria.values()),
            # On a phone the filters beyond the search box stay open while one is in use.
            "more_filters_open": sort != selectors.INBOX_SORTS[0]
            or any(v for k, v in criteria.items() if k != "search"),
        },
    )


class CountedPaginator(Paginator):
    """A paginator told the count the page already has (the inbox's tab count), so it does
    not count the whole queue again. A capped queue pages through its first rows only."""

    def __init__(self, *args, known_count: int, **kwargs):
        super().__init__(*args, **kwargs)
        self._known_count = known_count

    @cached_property
    def count(self):
        return self._known_count


# --- task pages ------------------------------------------------------------------------------


def _task_or_404(user, task_id: int):
    task = selectors.task_for_user(user, task_id)
    if task is None:
        raise Http404(_("No such task, or it is not in your work."))
    return task


def _assessment_initial(case) -> dict:
    """A returned (or repeated) assessment starts from the episode's last one."""
    initial = {"risk_decided": case.risk}
    assessment = selectors.latest_assessment(case)
    if assessment is not None:
        initial.update(
            {f"need_{code}": level for code, level in assessment.needs.items()},
            strengths=assessment.strengths,
            needs_notes=assessment.needs_notes,
        )
    return initial


def _task_forms(node: str, case, data=None, action: str = "") -> dict:
    """The forms a task page shows, bound to `data` for the part the user submitted."""
    if node == "allocate":
        return {
            "form": AllocateForm(
                data, case=case, caseworkers=services.caseworkers_for_allocation(case)
            )
        }
    if node == "intake":
        intake = case.intake
        initial = {
            "source": intake.source,
            "presenting_concerns": intake.presenting_concerns,
            "immediate_safety": intake.immediate_safety,
            "consent_to_share": {True: "yes", False: "no"}.get(intake.consent_to_share, ""),
        }
        return {"form": IntakeForm(data, initial=initial)}
    if node == "assess":
        return {"form": AssessmentForm(data, initial=_assessment_initial(case))}
    if node == "plan":
        plan = selectors.latest_plan(case)
        initial, action_initial = {}, []
        if plan is not None:  # revising a returned plan starts from the last one
            initial = {
                "summary": plan.summary,
                "goals": "\n".join(g.description for g in plan.goals.all()),
                "no_referral_needed": plan.no_referral_needed,
            }
            action_initial = [
                {
                    "description": a.description,
                    "responsible": a.responsible,
                    "target_date": a.target_date,
                }
                for a in plan.actions.all()
            ]
        plan_data = data if action != "reassess" else None
        return {
            "form": PlanForm(plan_data, initial=initial),
            "formset": PlanActionFormSet(plan_data, prefix="actions", initial=action_initial),
            "reassess_form": ReassessmentForm(data if action == "reassess" else None),
        }
    if node == "arrange_referrals":
        formset = ReferralFormSet(
            data,
            prefix="referrals",
            form_kwargs={"providers": referrals.providers_for_case(case)},
        )
        return {"form": ReferralsDoneForm(data, formset=formset), "formset": formset}
    if node == "follow_up":
        plan = selectors.latest_plan(case)
        goals = plan.goals.all() if plan is not None else []
        return {
            "form": FollowUpForm(
                data,
                goals=goals,
                opened=timezone.localdate(case.opened_at, timezone=case.office.tzinfo),
                office=case.office,
                initial={"date": timezone.localdate()},
            )
        }
    if node == "prepare_closure":
        closure = selectors.latest_closure(case)  # a returned closure comes back as it was
        initial = {"reason": closure.reason, "summary": closure.summary} if closure else {}
        return {"form": ClosureForm(data, initial=initial)}
    if node == "review_overdue":
        return {"form": OverdueReviewForm(data)}
    if node == "review_case":
        return {"form": CaseReviewForm(data)}
    return {}


def _submit_task(node: str, forms: dict, *, task, actor, action: str = "") -> str | None:
    """Validate the task's forms and call its one service; returns the success message,
    or None when the input is invalid (nothing was changed)."""
    if node == "plan" and action == "reassess":
        form = forms["reassess_form"]
        if not form.is_valid():
            return None
        services.plan_request_reassessment(
            task=task, actor=actor, reason=form.cleaned_data["reason"]
        )
        return _("The case goes back to assessment.")
    if node == "plan":
        form, formset = forms["form"], forms["formset"]
        if not (form.is_valid() & formset.is_valid()):
            return None
        data = form.cleaned_data
        services.plan_submit(
            task=task,
            actor=actor,
            goals=data["goals"],
            actions=formset.actions(),
            summary=data["summary"],
            no_referral_needed=data["no_referral_needed"],
        )
        return _("The case plan was submitted.")
    if node == "arrange_referrals":
        form, formset = forms["form"], forms["formset"]
        if not (formset.is_valid() & form.is_valid()):
            return None
        services.referrals_arrange(
            task=task,
            actor=actor,
            referrals=formset.referrals(),
            none_needed=form.cleaned_data["none_needed"],
        )
        return _("Referrals recorded.")
    form = forms.get("form")
    if form is None or not form.is_valid():
        return None
    data = form.cleaned_data
    if node == "allocate":
        services.case_allocate(
            task=task, actor=actor, caseworker=data["caseworker"], team=data["team"]
        )
        return _("The case was allocated to %(who)s.") % {"who": data["caseworker"]}
    if node == "intake":
        services.intake_complete(task=task, actor=actor, **data)
        return _("Intake completed.")
    if node == "assess":
        services.assessment_submit(
            task=task,
            actor=actor,
            needs=form.needs(),
            strengths=data["strengths"],
            risk_decided=data["risk_decided"],
            needs_notes=data["needs_notes"],
        )
        return _("The assessment was submitted.")
    if node == "follow_up":
        services.follow_up_record(
            task=task,
            actor=actor,
            date=data["date"],
            mode=data["mode"],
            notes=data["notes"],
            next_step=data["next_step"],
            progress=form.progress(),
        )
        return _("Follow-up recorded.")
    if node == "prepare_closure":
        services.closure_prepare(
            task=task, actor=actor, reason=data["reason"], summary=data["summary"]
        )
        return _("The closure was submitted for approval.")
    if node == "review_overdue":
        services.overdue_review_complete(task=task, actor=actor, note=data["note"])
        return _("Your review was recorded on the case timeline.")
    if node == "review_case":
        from .reviews import case_review_complete

        case_review_complete(task=task, actor=actor, **data)
        return _("Your review was recorded on the case timeline.")
    return None


def _task_state(user, task) -> str:
    if task.status not in OPEN_STATUSES:
        return "done"
    if task.owner_id == user.pk:
        return "mine"
    if (
        task.owner_id is None
        and task.flow_task.can_assign(user, task)
        and user_may_take(user, task)
    ):
        return "claimable"
    return "other"


def _render_task(request, task, forms=None, status=200):
    case = _case_of(task)
    node = task.flow_task.name
    state = _task_state(request.user, task)
    if forms is None:
        forms = _task_forms(node, case) if state in ("mine", "claimable") else {}
    context = {
        "task": task,
        "case": case,
        "deadlines": selectors.task_deadlines(task) if state != "done" else [],
        "returned": selectors.return_for_revision_of(task) if state != "done" else None,
        "node": node,
        "state": state,
        "forms": forms,
        "form_template": f"case_flows/tasks/{node}.html",
        "need_domains": NEED_DOMAINS,
        "can_release": task.status == STATUS.ASSIGNED
        and (task.owner_id == request.user.pk or supervises(request.user)),
        "reassign_form": ReassignForm(task=task)
        if task.status in (STATUS.NEW, STATUS.ASSIGNED) and supervises(request.user)
        else None,
    }
    return render(request, "case_flows/task.html", context, status=status)


@login_required
def task_page(request, task_id: int):
    task = _task_or_404(request.user, task_id)
    node = task.flow_task.name
    if node in APPROVAL_NODES:
        approval = getattr(task, "approval", None)
        if approval is not None:
            return redirect("approval_detail", approval_id=approval.pk)
    if request.method != "POST":
        return _render_task(request, task)
    action = request.POST.get("action", "")
    case = _case_of(task)
    forms = _task_forms(node, case, request.POST, action)
    try:
        message = _submit_task(node, forms, task=task, actor=request.user, action=action)
    except WorkflowError as exc:
        return _error_page(
            request, exc, lambda status: _render_task(request, task, forms, status=status)
        )
    if message is None:
        return _render_task(request, task, forms)
    return _after_completing(request, case, message)


def _after_completing(request, case, message: str):
    """Offer the next task on the same case when it is the user's (intake, then the
    assessment; a follow-up, then the next one); else back to the inbox."""
    following = selectors.next_task_on_case(request.user, case)
    if following is None:
        messages.success(request, message)
        return redirect("inbox")
    messages.success(
        request,
        _("%(done)s Next task on this case: %(task)s.")
        % {"done": message, "task": following.flow_task.task_title},
    )
    return redirect("task", task_id=following.pk)


@require_POST
@login_required
def task_claim_view(request, task_id: int):
    task = _task_or_404(request.user, task_id)
    try:
        task_claim(task=task, actor=request.user)
    except WorkflowError as exc:
        return _error_page(request, exc, lambda status: _render_task(request, task, status=status))
    messages.success(request, _("The task is yours now."))
    return redirect("task", task_id=task.pk)


@require_POST
@login_required
def task_release_view(request, task_id: int):
    task = _task_or_404(request.user, task_id)
    try:
        task_release(task=task, actor=request.user)
    except WorkflowError as exc:
        return _error_page(request, exc, lambda status: _render_task(request, task, status=status))
    messages.success(request, _("The task is back in the team queue."))
    return redirect("inbox")


@require_POST
@login_required
def task_reassign_view(request, task_id: int):
    task = _task_or_404(request.user, task_id)
    case = _case_of(task)
    form = ReassignForm(request.POST, task=task)
    if not form.is_valid():
        messages.error(request, _("Choose who should do the task."))
        return _render_task(request, task, status=400)
    try:
        task_reassign(task=task, actor=request.user, to_user=form.cleaned_data["to_user"])
    except WorkflowError as exc:
        return _error_page(request, exc, lambda status: _render_task(request, task, status=status))
    messages.success(
        request, _("The task was given to %(who)s.") % {"who": form.cleaned_data["to_user"]}
    )
    approval = getattr(task, "approval", None)
    from_case_page = request.POST.get("back") == "case"
    if approval is not None and request.user != form.cleaned_data["to_user"] and not from_case_page:
        if selectors.approval_for_user(request.user, approval.pk) is not None:
            return redirect("approvals")
    return redirect("case_detail", case_id=case.pk)


# --- cases -----------------------------------------------------------------------------------


@login_required
def case_list(request):
    form = CaseSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    cases = list(selectors.case_search(request.user, query))
    return render(
        request,
        "case_flows/case_list.html",
        {
            "form": form,
            "query": query,
            "cases": cases,
            "page_size": selectors.PAGE_SIZE,
            "may_open_cases": may_open_cases(request.user),
        },
    )


def _register_case(*, actor, office, form: CaseRegisterForm):
    """Register the client and open their case together: both or neither."""
    with transaction.atomic():
        person = services.person_create(actor=actor, office=office, **form.person_data())
        return services.case_open(actor=actor, person=person, office=office, **form.case_data())


@login_required
def case_new(request):
    if not may_open_cases(request.user):
        raise PermissionDenied(_("You do not have permission to open cases."))
    office = request.user.home_office
    form = CaseRegisterForm(request.POST or None, office=office)

    def page(status=200):
        return render(
            request, "case_flows/case_new.html", {"form": form, "office": office}, status=status
        )

    if request.method != "POST":
        return page()
    if office is None:
        messages.error(request, _("Your account has no office; ask your administrator."))
        return page(status=403)
    if not form.is_valid():
        return page()
    try:
        case = _register_case(actor=request.user, office=office, form=form)
    except WorkflowError as exc:
        return _error_page(request, exc, page)
    if can_see(
        request.user, office_id=case.office_id, team_id=case.team_id, owner_id=case.owner_id
    ):
        messages.success(
            request, _("Case %(reference)s was opened.") % {"reference": case.reference}
        )
    else:
        # Outside their scope until allocated, the registering user may still read it.
        messages.success(
            request,
            _("Case %(reference)s was opened; a supervisor will allocate it.")
            % {"reference": case.reference},
        )
    return redirect("case_detail", case_id=case.pk)


def _case_or_404(user, case_id: int):
    case = selectors.case_for_user(user, case_id)
    if case is None:
        raise Http404(_("No such case, or it is not in your work."))
    return case


def _render_case(request, case, reopen_form=None, risk_form=None, relative_form=None, status=200):
    user = request.user
    # A case its registering user may only read until it is allocated: no action offered.
    read_only = getattr(case, "read_only", False)
    tasks = selectors.case_open_tasks(case)
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
    records = selectors.case_records(case)
    clocks = clocks_for_subject(case)
    open_clocks = sum(1 for c in clocks if c.status in ("running", "paused"))
    assessment = records["assessment"]
    needs = []
    if assessment is not None:
        levels = dict(NeedLevel.choices)
        needs = [
            (label, assessment.needs.get(code), levels.get(assessment.needs.get(code), ""))
            for code, label in NEED_DOMAINS
            if code in assessment.needs
        ]
    context = {
        "case": case,
        "read_only": read_only,
        "tasks": tasks,
        "records": records,
        "needs": needs,
        "timeline": selectors.case_timeline(case),
        "clocks": clocks,
        "clocks_open_count": open_clocks,
        "clocks_closed_count": len(clocks) - open_clocks,
        "reopen_form": (reopen_form or ReopenForm()) if may_reopen else None,
        "relative_form": (relative_form or RelativeForm()) if may_change_risk else None,
        "risk_form": (risk_form or RiskForm(initial={"risk": case.risk}))
        if may_change_risk
        else None,
    }
    return render(request, "case_flows/case_detail.html", context, status=status)


@login_required
def case_detail(request, case_id: int):
    case = selectors.case_for_user(request.user, case_id, to_read=True)
    if case is None:
        # A sending office may keep read access to its own history of a transferred case.
        history = selectors.case_history_for_user(request.user, case_id)
        if history is None:
            raise Http404(_("No such case, or it is not in your work."))
        case, transfer = history
        return render(
            request,
            "case_flows/transfers/case_history.html",
            {
                "case": case,
                "transfer": transfer,
                "timeline": selectors.case_history_until(case, transfer.decided_at),
            },
        )
    return _render_case(request, case)


def _case_action(request, case_id, form_class, form_name, run, done, invalid_status=200):
    """A POST from the case page: validate the form, call one service, say what happened.
    Bad input re-renders the page with the form's errors; a refusal is a 403/409 page."""
    case = _case_or_404(request.user, case_id)
    form = form_class(request.POST)

    def page(status):
        return _render_case(request, case, status=status, **{form_name: form})

    if not form.is_valid():
        return page(invalid_status)
    try:
        run(case, form.cleaned_data)
    except WorkflowError as exc:
        return _error_page(request, exc, page)
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
        lambda case, data: services.case_reopen(
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
        lambda case, data: services.case_change_risk(case=case, actor=request.user, **data),
        _("The risk level was changed."),
    )


@require_POST
@login_required
def case_relative_add(request, case_id: int):
    return _case_action(
        request,
        case_id,
        RelativeForm,
        "relative_form",
        lambda case, data: services.case_add_relative(case=case, actor=request.user, **data),
        _("The relative was added."),
        invalid_status=400,
    )


# --- approvals -------------------------------------------------------------------------------


@login_required
def approvals(request):
    if not request.user.has_perm(CasePerm.APPROVE_CASE):
        raise PermissionDenied(_("Only supervisors and managers decide approvals."))
    pending = selectors.approvals_pending_for(request.user)
    page = Paginator(pending, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.attach_cases(page.object_list)
    return render(request, "case_flows/approvals.html", {"page": page})


def _render_approval(request, approval, decision_form=None, withdraw_form=None, status=200):
    user = request.user
    pending = approval.status == ApprovalStatus.PENDING
    record = selectors.approval_record(approval)
    needs = []
    if approval.kind == "assessment" and record is not None:
        levels = dict(NeedLevel.choices)
        needs = [
            (label, record.needs.get(code), levels.get(record.needs.get(code), ""))
            for code, label in NEED_DOMAINS
            if code in record.needs
        ]
    context = {
        "approval": approval,
        "case": approval.case,
        "record": record,
        "needs": needs,
        "timeline": selectors.case_timeline(approval.case, limit=10),
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
    approval = selectors.approval_for_user(request.user, approval_id)
    if approval is None:
        raise Http404(_("No such approval request, or it is not in your work."))
    if request.method != "POST":
        return _render_approval(request, approval)

    if request.POST.get("action") == "withdraw":
        form = WithdrawForm(request.POST)
        form.is_valid()
        try:
            approval_withdraw(
                approval=approval, actor=request.user, comment=form.cleaned_data.get("comment", "")
            )
        except WorkflowError as exc:
            return _error_page(
                request,
                exc,
                lambda status: _render_approval(
                    request, approval, withdraw_form=form, status=status
                ),
            )
        messages.success(request, _("You withdrew the request; the work is back with you."))
        return redirect("case_detail", case_id=approval.case.pk)

    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _render_approval(request, approval, decision_form=form)
    try:
        approval_decide(
            approval=approval,
            actor=request.user,
            approve=form.approve,
            comment=form.cleaned_data["comment"],
        )
    except WorkflowError as exc:
        return _error_page(
            request,
            exc,
            lambda status: _render_approval(request, approval, decision_form=form, status=status),
        )
    if form.approve:
        messages.success(request, _("Approved: %(case)s moves on.") % {"case": approval.case})
    else:
        messages.success(
            request,
            _("Returned to the caseworker for revision: %(case)s.") % {"case": approval.case},
        )
    return redirect(reverse("approvals"))
