"""Tasks: the inbox (my tasks) and the team queue with the inbox's filters and order, a task
as its page shows it, and claim, release, reassign and complete.

Completing a task builds the node's TaskPage forms (case_flows/work/pages.py) from the JSON
body and submits them as the page does: the same forms validate (400 with their errors) and
the same service runs (409 when the task was done or taken meanwhile).
"""

from typing import cast

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from viewflow.workflow.status import STATUS

from case_flows.cases.forms import ReassignForm
from case_flows.cases.views import case_of_task
from case_flows.models import AccessAction, Case, Decision
from case_flows.permissions import supervises
from case_flows.work import selectors as work_selectors
from case_flows.work.forms import InboxFilterForm
from case_flows.work.pages import APPROVAL_NODES, SAVE_DRAFT, page_for
from case_flows.work.selectors import INBOX_SORTS
from case_flows.work.views import task_state
from workflows.errors import Conflict, NotPermitted
from workflows.queue import (
    OPEN_STATUSES,
    conflicts_as_errors,
    task_claim,
    task_reassign,
    task_release,
)

from ..errors import error_response
from ..etags import check_if_match, if_match_given, task_etag
from ..formdata import (
    body_object,
    describe_forms,
    form_data,
    form_errors,
    formsets_without_rows,
    management_form,
)
from ..serializers.common import ETAG, IF_MATCH
from ..serializers.errors import errors
from ..serializers.forms import form_parameters
from ..serializers.tasks import (
    ReassignSerializer,
    TaskCompleteSerializer,
    TaskDetailSerializer,
    TaskDoneSerializer,
    TaskRowSerializer,
)
from .base import ResourceView, access, not_found, validated

# What a boolean in a query string may say (OpenAPI's `true`/`false`, and 1/0); empty is
# "not given".
BOOLEAN_WORDS = ("true", "false", "1", "0", "")


def _filters(request, *, ordered: bool = True) -> tuple[dict, str]:
    """The inbox's filters and order from the query string (the page's form; bad values
    are 400 here, where the page would ignore them: an unknown `sort` too, which the page's
    form replaces by the default for an old bookmark). A list that is not `ordered` (the
    counts) takes no `sort`."""
    params = request.query_params.copy()
    for name in ("cursor", "page_size") if ordered else ("cursor", "page_size", "sort"):
        params.pop(name, None)
    overdue = params.get("overdue")
    if overdue is not None and overdue.lower() not in BOOLEAN_WORDS:
        # The page's checkbox takes any text as "on"; the description says a boolean.
        raise ValidationError({"overdue": [_("Give true or false.")]})
    sort = params.get("sort")
    if sort and sort not in INBOX_SORTS:
        field = InboxFilterForm.base_fields["sort"]
        raise ValidationError({"sort": [field.error_messages["invalid_choice"] % {"value": sort}]})
    form = InboxFilterForm(params or None)
    if form.is_bound:
        validated(form)
    return form.criteria(), form.chosen_sort()


def _inbox(view, request, tab: str) -> Response:
    user = request.user
    criteria, sort = _filters(request)
    process_ids = work_selectors.queue_process_ids(user) if tab == "queue" else None
    tasks = work_selectors.inbox_tasks(
        user, tab=tab, sort=sort, process_ids=process_ids, **criteria
    )
    page = view.paginate(tasks)
    work_selectors.attach_deadlines(page)
    work_selectors.attach_returns(page)
    for task in page:
        task.case = case_of_task(task)
    if any(criteria.values()):
        # A filtered inbox is a search (the page records it so); the plain inbox is not.
        access(
            request,
            AccessAction.SEARCH,
            target=f"inbox ({tab})",
            query=" ".join(f"{k}={v}" for k, v in criteria.items() if v),
        )
    return view.paginated(TaskRowSerializer(page, many=True).data)


INBOX_PARAMETERS = form_parameters(InboxFilterForm)


class InboxView(ResourceView):
    scope_family = "tasks"

    @extend_schema(
        operation_id="tasks_mine",
        summary="My tasks (the inbox)",
        description="Your open tasks, with the inbox's filters (`q`: a reference or the "
        "client's name; `task`, `risk`, `stage`, `overdue`) and order (`sort`; by default "
        "overdue first, then the soonest deadline). A filtered list is recorded in the "
        "access log as the page records it.",
        parameters=INBOX_PARAMETERS,
        responses={200: TaskRowSerializer(many=True), **errors(400, 401, 403)},
    )
    def get(self, request):
        return _inbox(self, request, "mine")


class QueueView(ResourceView):
    scope_family = "tasks"

    @extend_schema(
        operation_id="tasks_queue",
        summary="The team queue",
        description="Unclaimed tasks your role may take in your teams' and office's queue, "
        "never the approval of your own request; the inbox's filters and order.",
        parameters=INBOX_PARAMETERS,
        responses={200: TaskRowSerializer(many=True), **errors(400, 401, 403)},
    )
    def get(self, request):
        return _inbox(self, request, "queue")


class CountsSerializer(serializers.Serializer):
    mine = serializers.IntegerField()
    queue = serializers.IntegerField()
    queue_more = serializers.BooleanField(help_text="The queue holds more than `queue`.")


class CountsView(ResourceView):
    scope_family = "tasks"

    @extend_schema(
        operation_id="tasks_counts",
        summary="How many tasks are in the inbox and the queue",
        description="The inbox tabs' counts under the same filters (the queue's stops at "
        "1000, `queue_more`).",
        parameters=form_parameters(InboxFilterForm, exclude=("sort",)),
        responses={200: CountsSerializer, **errors(400, 401, 403)},
    )
    def get(self, request):
        criteria, _sort = _filters(request, ordered=False)
        return Response(
            CountsSerializer(work_selectors.inbox_counts(request.user, **criteria)).data
        )


# --- one task -------------------------------------------------------------------------------


def _task(user, task_id: int):
    task = work_selectors.task_for_user(user, task_id)
    if task is None:
        raise not_found(_("No such task, or it is not in your work."))
    return task


def _edited_record_version(task) -> str:
    """The version of an existing record the task's form edits and others may change while
    the task is open: the decision draft (saved from the decision page too). Other tasks
    write a new record (or the intake, which only its task writes)."""
    if task.flow_task.name != "prepare_decision":
        return ""
    decision = Decision.objects.filter(process_id=task.process_id).only("updated_at").first()
    return decision.updated_at.isoformat() if decision is not None else ""


def _submit_description(page, task, case) -> dict:
    """What completing the task takes: the page's forms as fields, and its other actions
    (a form named `<action>_form`; the decision draft's "save_draft")."""
    forms = page.task_forms(task, case)
    actions = {
        name[: -len("_form")]: describe_forms({name: form})
        for name, form in forms.items()
        if name.endswith("_form") and name != "form"
    }
    fields = describe_forms({n: f for n, f in forms.items() if not n.endswith("_form")})
    if page.node == "prepare_decision":
        actions[SAVE_DRAFT] = fields
    return {"fields": fields, "actions": actions}


def assignable_people(task):
    """Whom the task may be given to: the reassign form's own list."""
    field = cast(forms.ModelChoiceField, ReassignForm(task=task).fields["to_user"])
    return field.queryset


def task_detail(request, task) -> Response:
    """The task as its page shows it (recorded in the access log as the page does)."""
    user = request.user
    case = case_of_task(task)
    task.case = case
    node = task.flow_task.name
    access(request, AccessAction.VIEW_RECORD, case=case, target=node)
    state = task.state = task_state(user, task)
    open_ = state != "done"
    task.deadlines = work_selectors.task_deadlines(task) if open_ else []
    task.returned = work_selectors.return_for_revision_of(task) if open_ else None
    deadline = next(iter(task.deadlines), None)
    task.deadline = deadline
    task.deadline_overdue = bool(deadline is not None and deadline.overdue)
    approval = getattr(task, "approval", None) if node in APPROVAL_NODES else None
    task.approval_shown = approval.pk if approval is not None else None
    task.can_release = task.status == STATUS.ASSIGNED and (
        task.owner_id == user.pk or supervises(user)
    )
    task.reassign_to = None
    if task.status in (STATUS.NEW, STATUS.ASSIGNED) and supervises(user):
        people = assignable_people(task)
        task.reassign_to = [{"id": p.pk, "name": str(p)} for p in people]
    page = page_for(node)
    task.submit = None
    if page is not None and node not in APPROVAL_NODES and state in ("mine", "claimable"):
        task.submit = _submit_description(page, task, case)
    response = Response(TaskDetailSerializer(task).data)
    response["ETag"] = task_etag(task, _edited_record_version(task))
    return response


class TaskView(ResourceView):
    scope_family = "tasks"

    @extend_schema(
        operation_id="task_detail",
        summary="A task",
        description="What the task page shows: the task, its case, deadlines, whether it came "
        "back for revision, and (while it is yours or claimable) `submit`: the fields "
        "completing it takes. Recorded in the access log.",
        responses={200: TaskDetailSerializer, **errors(401, 403, 404)},
        parameters=[ETAG],
    )
    def get(self, request, task_id: int):
        return task_detail(request, _task(request.user, task_id))


class TaskActionSerializer(serializers.Serializer):
    detail = serializers.CharField()
    task = TaskDetailSerializer()


def _action_done(request, task, message: str) -> Response:
    response = task_detail(request, _task(request.user, task.pk))
    response.data = {"detail": message, "task": response.data}
    return response


class TaskClaimView(ResourceView):
    scope_family = "tasks"

    @extend_schema(
        operation_id="task_claim",
        summary="Claim a task from the queue",
        description="The task becomes yours. Claimed by someone else, or done: 409.",
        request=None,
        responses={200: TaskActionSerializer, **errors(401, 403, 404, 409)},
    )
    def post(self, request, task_id: int):
        task = _task(request.user, task_id)
        task_claim(task=task, actor=request.user)
        return _action_done(request, task, _("The task is yours now."))


class TaskReleaseView(ResourceView):
    scope_family = "tasks"

    @extend_schema(
        operation_id="task_release",
        summary="Put a claimed task back in the queue",
        description="By whoever claimed it, or a supervisor. Only a claimed task not started.",
        request=None,
        responses={200: TaskActionSerializer, **errors(401, 403, 404, 409)},
    )
    def post(self, request, task_id: int):
        task = _task(request.user, task_id)
        task_release(task=task, actor=request.user)
        return _action_done(request, task, _("The task is back in the team queue."))


class TaskReassignView(ResourceView):
    scope_family = "tasks"

    @extend_schema(
        operation_id="task_reassign",
        summary="Give a task to someone else",
        description="Supervisors and managers: to someone who may do it (the task's "
        "`reassign_to`).",
        request=ReassignSerializer,
        responses={200: TaskActionSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, task_id: int):
        task = _task(request.user, task_id)
        form = ReassignForm(form_data(body_object(request)), task=task)
        validated(form)
        to_user = form.cleaned_data["to_user"]
        task_reassign(task=task, actor=request.user, to_user=to_user)
        return _action_done(request, task, _("The task was given to %(who)s.") % {"who": to_user})


def _forms(page, task, case, body: dict, action: str) -> dict:
    data = form_data(body)
    forms = page.task_forms(task, case, data, action)
    missing = formsets_without_rows(forms, data)
    if missing:  # a list the body left out is sent as empty, as a page with no rows would
        for prefix in missing:
            management_form(data, prefix, 0)
        forms = page.task_forms(task, case, data, action)
    return forms


def _submit(request, page, task, forms, action: str):
    if not if_match_given(request):
        return page.submit(forms, task=task, actor=request.user, action=action)
    with conflicts_as_errors(), transaction.atomic():
        # The flow lock first (the documented order), then the record the form edits: the
        # ETag is compared with nothing able to change it until the submit is done.
        with task.flow_task.flow_class.lock(task.process_id):
            if task.flow_task.name == "prepare_decision":
                Decision.objects.select_for_update().filter(process_id=task.process_id).exists()
            check_if_match(request, task_etag(task, _edited_record_version(task)))
            return page.submit(forms, task=task, actor=request.user, action=action)


class TaskCompleteView(ResourceView):
    scope_family = "tasks"

    @extend_schema(
        operation_id="task_complete",
        summary="Complete a task (submit its form)",
        description="The task's form (GET the task: `submit.fields`) as one JSON object, "
        "validated by the page's own forms (400 with their errors) and submitted through the "
        "same service. `action` picks another of the page's actions (`submit.actions`). "
        "Done, or taken by someone else meanwhile: 409. With If-Match (the task's ETag), a "
        "decision draft saved by someone else since is 409 `stale`. An approval task is "
        "decided at /approvals/{id}/decide/.",
        request=TaskCompleteSerializer,
        responses={200: TaskDoneSerializer, **errors(400, 401, 403, 404, 409)},
        parameters=[IF_MATCH],
    )
    def post(self, request, task_id: int):
        user = request.user
        task = _task(user, task_id)
        node = task.flow_task.name
        if node in APPROVAL_NODES:
            return error_response(
                400,
                "approval_task",
                _("This task is decided on its approval: use the approval's decide request."),
            )
        page = page_for(node)
        if page is None:
            raise not_found(_("This task has no page."))
        body = dict(body_object(request))
        action = str(body.pop("action", "") or "")
        case = case_of_task(task)
        forms = _forms(page, task, case, body, action)
        try:
            message = _submit(request, page, task, forms, action)
        except NotPermitted:
            # Someone claimed it between the read and this submit: a lost race (409), as
            # claiming a task someone holds is.
            task.refresh_from_db()
            if task.status in OPEN_STATUSES and task.owner_id not in (None, user.pk):
                raise Conflict(
                    _("%(who)s has already claimed this task.") % {"who": task.owner}
                ) from None
            raise
        if message is None:  # invalid input: nothing changed
            raise ValidationError(form_errors(forms))
        following = work_selectors.next_task_on_case(user, case)
        case = Case.objects.select_related("person").get(pk=case.pk)
        return Response(
            TaskDoneSerializer(
                {
                    "detail": message,
                    "next_task": following.pk if following is not None else None,
                    "case": case,
                }
            ).data
        )
