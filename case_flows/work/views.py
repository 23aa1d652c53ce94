"""The work pages: the inbox (my tasks and the team queue) and the page of each task, with
claim, release and reassignment. What a task's page shows and does is its TaskPage."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.status import STATUS

from workflows.errors import WorkflowError
from workflows.queue import OPEN_STATUSES, task_claim, task_reassign, task_release, user_may_take

from ..access_log import access_record
from ..cases import selectors as case_selectors
from ..cases.forms import ReassignForm
from ..cases.views import case_of_task, error_page
from ..models import AccessAction
from ..permissions import supervises
from . import selectors as work_selectors
from .forms import InboxFilterForm
from .pages import APPROVAL_NODES, SAVE_DRAFT, page_for

INBOX_TABS = ("mine", "queue")


# --- inbox ---------------------------------------------------------------------------------


# The inbox's sortable columns and the order a first click on each gives (highest risk first).
INBOX_SORT_COLUMNS = {"due": "due", "risk": "-risk", "case": "case", "client": "client"}


def _sort_headers(current: str) -> dict:
    """Per sortable column: the order its header link asks for and its aria-sort state."""
    headers: dict[str, dict[str, str | None]] = {}
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
    queue_ids = work_selectors.queue_process_ids(request.user)  # once, for the count and the list
    counts = work_selectors.inbox_counts(request.user, process_ids=queue_ids, **criteria)
    tasks = work_selectors.inbox_tasks(
        request.user, tab=tab, sort=sort, process_ids=queue_ids, **criteria
    )
    known = counts["mine"] if tab == "mine" else counts["queue"]
    if any(criteria.values()):
        # A filtered inbox is a search; the plain inbox is the user's own work, not recorded.
        access_record(
            request,
            AccessAction.SEARCH,
            target=f"inbox ({tab})",
            query=" ".join(f"{k}={v}" for k, v in criteria.items() if v),
        )
    page = CountedPaginator(tasks, case_selectors.PAGE_SIZE, known_count=known).get_page(
        request.GET.get("page")
    )
    work_selectors.attach_deadlines(page.object_list)
    work_selectors.attach_returns(page.object_list)
    for task in page.object_list:
        task.case = case_of_task(task)
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
            "more_filters_open": sort != work_selectors.INBOX_SORTS[0]
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
    task = work_selectors.task_for_user(user, task_id)
    if task is None:
        raise Http404(_("No such task, or it is not in your work."))
    return task


def task_state(user, task) -> str:
    """What the user may do with the task: "mine" (do it), "claimable" (take it from the
    queue), "other" (someone else's) or "done" (the page and the API say the same)."""
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
    case = case_of_task(task)
    node = task.flow_task.name
    access_record(request, AccessAction.VIEW_RECORD, case=case, target=node)
    state = task_state(request.user, task)
    # A refused submit (the task went elsewhere meanwhile) still shows what was typed.
    kept_input = forms is not None and state not in ("mine", "claimable")
    if forms is None:
        page = page_for(node)
        forms = (
            page.task_forms(task, case)
            if page is not None and state in ("mine", "claimable")
            else {}
        )
    context = {
        "task": task,
        "case": case,
        "deadlines": work_selectors.task_deadlines(task) if state != "done" else [],
        "returned": work_selectors.return_for_revision_of(task) if state != "done" else None,
        "node": node,
        "state": state,
        "forms": forms,
        "kept_input": kept_input,
        "form_template": f"case_flows/tasks/{node}.html",
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
    page = page_for(node)
    if page is None:
        raise Http404(_("This task has no page."))
    action = request.POST.get("action", "")
    case = case_of_task(task)
    forms = page.task_forms(task, case, request.POST, action)
    try:
        message = page.submit(forms, task=task, actor=request.user, action=action)
    except WorkflowError as exc:
        return error_page(
            request, exc, lambda status: _render_task(request, task, forms, status=status)
        )
    if message is None:  # invalid input: nothing changed
        return _render_task(request, task, forms, status=400)
    if action == SAVE_DRAFT:  # saved, the task still open: back to it
        messages.success(request, message)
        return redirect("task", task_id=task.pk)
    return _after_completing(request, case, message)


def _after_completing(request, case, message: str):
    """Offer the next task on the same case when it is the user's (intake, then the
    assessment; a follow-up, then the next one); else back to the inbox."""
    following = work_selectors.next_task_on_case(request.user, case)
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
        return error_page(request, exc, lambda status: _render_task(request, task, status=status))
    messages.success(request, _("The task is yours now."))
    return redirect("task", task_id=task.pk)


@require_POST
@login_required
def task_release_view(request, task_id: int):
    task = _task_or_404(request.user, task_id)
    try:
        task_release(task=task, actor=request.user)
    except WorkflowError as exc:
        return error_page(request, exc, lambda status: _render_task(request, task, status=status))
    messages.success(request, _("The task is back in the team queue."))
    return redirect("inbox")


@require_POST
@login_required
def task_reassign_view(request, task_id: int):
    task = _task_or_404(request.user, task_id)
    case = case_of_task(task)
    form = ReassignForm(request.POST, task=task)
    if not form.is_valid():
        messages.error(request, _("Choose who should do the task."))
        return _render_task(request, task, status=400)
    try:
        task_reassign(task=task, actor=request.user, to_user=form.cleaned_data["to_user"])
    except WorkflowError as exc:
        return error_page(request, exc, lambda status: _render_task(request, task, status=status))
    messages.success(
        request, _("The task was given to %(who)s.") % {"who": form.cleaned_data["to_user"]}
    )
    approval = getattr(task, "approval", None)
    from_case_page = request.POST.get("back") == "case"
    if approval is not None and request.user != form.cleaned_data["to_user"] and not from_case_page:
        if work_selectors.approval_for_user(request.user, approval.pk) is not None:
            return redirect("approvals")
    return redirect("case_detail", case_id=case.pk)
