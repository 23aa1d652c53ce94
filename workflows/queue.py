"""Task services on viewflow tasks: claim, release, reassign and complete, with permission
and scope checks done here (viewflow's assign/unassign called from code check nothing).

A flow's process class provides `work_subject()`, returning an object with `office_id`,
`team_id` and `owner_id`: that is all the kernel knows of what the task is about. A subject
may also offer `visible_to(user) -> bool`, its own answer that replaces the scope rule (a
restricted case, seen only by its access list), and `may_be_given_to(user) -> bool`, which
`task_reassign` asks besides its own rules (a restricted case's task goes only to someone on
its list; a hand-over moves the subject itself, so it does not ask).
"""

from collections.abc import Callable
from contextlib import contextmanager
from typing import Any, TypeVar, overload

from django.contrib.auth.models import Permission
from django.db import DatabaseError, transaction
from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.backends import permissions_preload
from accounts.models import Role, Team, User
from accounts.scope import can_see
from config.compiled import CompiledQuery, field_values
from config.observability.metrics import TASK_COMPLETIONS
from notifications import outbox, webhooks

from .approvals.models import Approval
from .completion import completing
from .errors import Conflict, NotPermitted
from .sla.services import sla_clock_stop, sla_clocks_reassign

T = TypeVar("T")

OPEN_STATUSES = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)


def subject_of(task: Task):
    return task.process.coerced.work_subject()


def user_can_see_task(user: User, task: Task) -> bool:
    subject = subject_of(task)
    visible_to = getattr(subject, "visible_to", None)
    if visible_to is not None:
        return bool(visible_to(user))
    return can_see(
        user, office_id=subject.office_id, team_id=subject.team_id, owner_id=subject.owner_id
    )


def user_may_take(user: User, task: Task) -> bool:
    """The user holds the task's permission, the task's subject is in their scope, and the
    task does not decide an approval they asked for."""
    return _holds_role_and_sees(user, task) and not asked_for_it(user, task)


def _holds_role_and_sees(user: User, task: Task) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if task.owner_permission and not user.has_perm(task.owner_permission):
        return False
    return user_can_see_task(user, task)


def asked_for_it(user: User, task: Task) -> bool:
    """Whether the task decides an approval the user asked for: they may never hold it (it
    would vanish from every approvals list while it stays theirs to decide)."""
    return Approval.objects.filter(task_id=task.pk, requested_by_id=user.pk).exists()


def assignable_users(task: Task) -> QuerySet[User]:
    """Whom a supervisor or manager may hand a task to (the "give to" list), one query:
    active staff whose role holds the task's permission and who work in the task's office,
    on its team, or own its subject; never a service provider's account or an API client's
    service account, and never the person who asked for the approval the task decides."""
    subject = subject_of(task)
    users = User.objects.filter(is_active=True, is_service_account=False).exclude(
        pk__in=User.groups.through.objects.filter(group__name=Role.PROVIDER).values("user_id")
    )
    if task.owner_permission:
        app_label, codename = task.owner_permission.split(".", 1)
        perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        holders = User.groups.through.objects.filter(group__permissions__in=perm).values("user_id")
        direct = User.user_permissions.through.objects.filter(permission__in=perm).values("user_id")
        users = users.filter(Q(pk__in=holders) | Q(pk__in=direct))
    where = Q(home_office_id=subject.office_id)
    if subject.team_id:
        where |= Q(
            pk__in=Team.members.through.objects.filter(team_id=subject.team_id).values("user_id")
        ) | Q(pk__in=Team.objects.filter(pk=subject.team_id).values("supervisor_id"))
    if subject.owner_id:
        where |= Q(pk=subject.owner_id)
    return users.filter(where).exclude(
        pk__in=Approval.objects.filter(task_id=task.pk).values("requested_by_id")
    )


def user_may_be_given(user: User, task: Task) -> bool:
    """The rule of `assignable_users`, for one person (one query)."""
    return assignable_users(task).filter(pk=user.pk).exists()


def _permissions_held(user: User) -> set[str]:
    """Permission names the user holds through a group or directly, as `assignable_users`
    counts them (a superuser's implicit permissions do not count there either)."""
    via_groups = Permission.objects.filter(group__user=user)
    direct = Permission.objects.filter(user=user)
    return {
        f"{app}.{codename}"
        for app, codename in via_groups.union(direct).values_list(
            "content_type__app_label", "codename"
        )
    }


def tasks_user_may_be_given(user: User, tasks: list, subjects: dict) -> set[int]:
    """The rule of `assignable_users` for many tasks at once, in a fixed number of queries:
    the ids of the tasks `user` may be given. `tasks` have `pk`, `owner_permission` and
    `process_id`; `subjects` maps a process id to its work subject (office, team, owner)."""
    if not tasks or not user.is_active:
        return set()
    if User.groups.through.objects.filter(user=user, group__name=Role.PROVIDER).exists():
        return set()
    held = _permissions_held(user)
    own_teams = set(
        Team.members.through.objects.filter(user=user).values_list("team_id", flat=True)
    ) | set(Team.objects.filter(supervisor=user).values_list("pk", flat=True))
    asked = set(
        Approval.objects.filter(
            task_id__in=[task.pk for task in tasks], requested_by=user
        ).values_list("task_id", flat=True)
    )
    allowed = set()
    for task in tasks:
        subject = subjects.get(task.process_id)
        if subject is None or task.pk in asked:
            continue
        if task.owner_permission and task.owner_permission not in held:
            continue
        if (
            (user.home_office_id is not None and user.home_office_id == subject.office_id)
            or (subject.team_id and subject.team_id in own_teams)
            or subject.owner_id == user.pk
        ):
            allowed.add(task.pk)
    return allowed


def _done_message(task: Task) -> str:
    who = task.owner or _("someone else")
    when = (
        formats.date_format(timezone.localtime(task.finished), "DATETIME_FORMAT")
        if task.finished
        else ""
    )
    if task.status == STATUS.CANCELED:
        return _("This task was cancelled; nothing was changed.")
    return _("This task was already completed by %(who)s at %(when)s; nothing was changed.") % {
        "who": who,
        "when": when,
    }


@contextmanager
def conflicts_as_errors():
    """Wrap a whole service call (outside its transaction) so lost races become Conflicts."""
    try:
        yield
    except FlowLockFailed as exc:
        raise Conflict(
            _("Someone else is working on this case right now. Try again in a moment.")
        ) from exc
    except ConcurrentTransition as exc:
        raise Conflict(_("The case changed while you were working; reload and try again.")) from exc
    except DatabaseError as exc:
        if not is_lost_race(exc):
            raise
        raise Conflict(
            _(
                "Someone else changed this case at the same moment, so nothing was saved."
                " Your input is still here: submit it again."
            )
        ) from exc


# PostgreSQL's codes for a transaction that lost a race: deadlock detected, serialization
# failure, lock not available (lock_timeout).
LOST_RACE_SQLSTATES = {"40P01", "40001", "55P03"}


def is_lost_race(exc: BaseException) -> bool:
    """Whether a database error is a lost race (retrying later may work), not a bug."""
    for error in (exc, exc.__cause__, exc.__context__):
        if getattr(error, "sqlstate", None) in LOST_RACE_SQLSTATES:
            return True
        if getattr(error, "pgcode", None) in LOST_RACE_SQLSTATES:
            return True
    return False


def _locked(task: Task):
    return task.flow_task.flow_class.lock(task.process_id)


def task_claim(*, task: Task, actor: User) -> Task:
    with conflicts_as_errors(), transaction.atomic(), _locked(task):
        task.refresh_from_db()
        if task.status not in OPEN_STATUSES:
            raise Conflict(_done_message(task))
        if task.owner_id == actor.pk:
            return task
        if task.owner_id:
            raise Conflict(_("%(who)s has already claimed this task.") % {"who": task.owner})
        if asked_for_it(actor, task):
            raise NotPermitted(
                _("You asked for this approval yourself: someone else has to decide it.")
            )
        # (asked_for_it is checked above, with its own message)
        if not (task.flow_task.can_assign(actor, task) and _holds_role_and_sees(actor, task)):
            raise NotPermitted(_("You may not take this task."))
        task.flow_task.activation_class(task).assign(actor)
        task.assigned = timezone.now()
        task.save(update_fields=["assigned"])
        _deadlines_follow_owner(task, actor)
    return task


def _deadlines_follow_owner(task: Task, owner: User) -> None:
    """Claimed work stops its unclaimed-queue clock; its own clock follows the new owner."""
    sla_clock_stop(task=task, kind="unclaimed", outcome="met", actor=owner)
    sla_clocks_reassign(task=task, owner=owner)


def task_release(*, task: Task, actor: User) -> Task:
    with conflicts_as_errors(), transaction.atomic(), _locked(task):
        task.refresh_from_db()
        if task.status != STATUS.ASSIGNED:
            raise Conflict(_("Only a claimed task that has not been started can be released."))
        if task.owner_id != actor.pk and not _supervises(actor, task):
            raise NotPermitted(
                _("Only the person who claimed the task or a supervisor can release it.")
            )
        task.flow_task.activation_class(task).unassign()
    return task


def _supervises(actor: User, task: Task) -> bool:
    roles = actor.role_names
    if not (Role.SUPERVISOR in roles or Role.MANAGER in roles or actor.is_superuser):
        return False
    return user_can_see_task(actor, task)


def task_reassign(*, task: Task, actor: User, to_user: User) -> Task:
    """A supervisor (or manager) gives an open task to someone who may do it."""
    with conflicts_as_errors(), transaction.atomic(), _locked(task):
        task.refresh_from_db()
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED):
            raise Conflict(_done_message(task))
        if not _supervises(actor, task):
            raise NotPermitted(
                _("Only a supervisor or manager of this case can reassign its tasks.")
            )
        may_be_given_to = getattr(subject_of(task), "may_be_given_to", None)
        if not user_may_be_given(to_user, task) or (
            may_be_given_to is not None and not may_be_given_to(to_user)
        ):
            raise NotPermitted(
                _(
                    "%(who)s cannot do this task: they lack the role for it, do not work on"
                    " this case or its office, or asked for this approval themselves."
                )
                % {"who": to_user}
            )
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(to_user)
        else:
            activation.reassign(to_user)
        task.assigned = timezone.now()
        task.save(update_fields=["assigned"])
        _deadlines_follow_owner(task, to_user)
    return task


@overload
def task_complete(
    *,
    task: Task,
    actor: User,
    work: Callable[[Any], T],
    check_permission: bool = ...,
    take_over: bool = ...,
) -> T: ...


@overload
def task_complete(
    *,
    task: Task,
    actor: User,
    work: None = None,
    check_permission: bool = ...,
    take_over: bool = ...,
) -> None: ...


def task_complete(
    *,
    task: Task,
    actor: User,
    work: Callable[[Any], T] | None = None,
    check_permission: bool = True,
    take_over: bool = False,
) -> T | None:
    """Complete a human task as `actor`: checks, runs `work(activation)`, then lets the flow
    move on, and returns what `work` returned (the record it wrote), or None without work.
    A task still in the queue is claimed first if the actor may take it.

    The task, its process and the process's subject are read once, under the flow lock
    (`_read_for_completion`); the nodes the flow runs next find what this completion knows
    in `workflows.completion` instead of reading it again. The task row is written once,
    when the flow completes it (claimed, started and done in one UPDATE)."""
    with conflicts_as_errors(), transaction.atomic(), _locked(task):
        _read_for_completion(task)
        task_row = field_values(task)  # the row as read: the completion writes what changes
        permissions_preload(actor)  # the checks below and the flow's transition ask
        if task.status not in OPEN_STATUSES:
            raise Conflict(_done_message(task))
        activation = task.flow_task.activation_class(task)
        if take_over and task.owner_id != actor.pk:
            # Only for callers that authorise the actor themselves (withdrawing a request).
            _take(task, actor)
        if task.owner_id is None:
            if not (task.flow_task.can_assign(actor, task) and user_may_take(actor, task)):
                raise NotPermitted(_("You may not do this task."))
            _take(task, actor)
        elif task.owner_id != actor.pk:
            raise NotPermitted(_("This task is assigned to %(who)s.") % {"who": task.owner})
        # An assigned task was given to the actor by a claim, a supervisor's reassignment or
        # the approval routing, each checked there: here the role's permission is enough.
        if check_permission and task.owner_permission and not actor.has_perm(task.owner_permission):
            raise NotPermitted(_("You may not do this task."))
        if task.status == STATUS.ASSIGNED:
            activation.start(None)
        # The notifications the flow's hooks ask for are written together at the end.
        with completing(task, actor, task_row), outbox.batched(), webhooks.batched():
            result = work(activation) if work is not None else None
            # Stop this task's deadlines before the flow creates the next task (and its clocks).
            sla_clock_stop(task=task, outcome="met", actor=actor)
            # saves the task: owner, started and done at once (only the fields that changed)
            activation.execute()
        node = task.flow_task
        transaction.on_commit(TASK_COMPLETIONS.labels(node.flow_class.__name__, node.name).inc)
    return result


def _take(task: Task, actor: User) -> None:
    """What viewflow's assign/reassign set, without their own save: the completion saves the
    task once (the permission to take it is checked by the caller)."""
    task.owner = actor
    task.status = STATUS.ASSIGNED


def _read_for_completion(task: Task) -> None:
    """Re-read the task under the lock, with its owner, its process (as the flow's process
    class) and what the process class names in `completion_related` (its subject and the
    subject's relations), in one query, as `task.refresh_from_db(from_queryset=...)` would
    (its SQL compiled once per process class: config.compiled)."""
    process_class = task.flow_task.flow_class.process_class
    related = ["owner", "process"]
    if process_class is not Task.process.field.related_model:
        link = f"process__{process_class._meta.model_name}"
        related.append(link)
        related += [f"{link}__{path}" for path in getattr(process_class, "completion_related", ())]
    using = task._state.db or "default"
    found = _TASK_FOR_COMPLETION.instances(int(task.pk), variant=tuple(related), using=using)
    if not found:
        raise Task.DoesNotExist("Task matching query does not exist.")
    _refresh_from(task, found[0])


_TASK_FOR_COMPLETION = CompiledQuery(
    lambda related, pk: Task.objects.select_related(*related).filter(pk=pk).order_by()
)


def _refresh_from(instance, fresh) -> None:
    """What Model.refresh_from_db does with the instance it read (every field, relations
    loaded with it kept, the others forgotten)."""
    instance._prefetched_objects_cache = {}
    for field in instance._meta.concrete_fields:
        setattr(instance, field.attname, getattr(fresh, field.attname))
        if field.is_relation:
            if field.is_cached(fresh):
                field.set_cached_value(instance, field.get_cached_value(fresh))
            elif field.is_cached(instance):
                field.delete_cached_value(instance)
    for rel in instance._meta.related_objects:
        if rel.is_cached(instance):
            rel.delete_cached_value(instance)
    for field in instance._meta.private_fields:
        if field.is_relation and field.is_cached(instance):
            field.delete_cached_value(instance)
    instance._state.db = fresh._state.db
