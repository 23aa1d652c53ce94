"""viewflow's automatic nodes (Function, If, Switch) as CaseFlow uses them, with fewer writes.

viewflow runs each automatic node's body in a savepoint so that, when a failure is kept as
the task's error state (`propagate_exception` off), the transaction goes on; this project
never turns that off, so a failure rolls the whole completion back and the savepoint is a
round trip for nothing: it is taken only when a failure would be kept.

Inside a task completion (workflows.completion), a node's task row is written once, when the
node is done (INSERT as DONE, then its link to the previous task), instead of INSERT as NEW
and UPDATE to DONE: nothing between the two needs the row (the completion tells the nodes'
bodies who acted and what was decided). Outside a completion viewflow's own path is kept.

Every new task row of the flow and its link to the task before it (`previous`) are written in
one statement (`insert_linked`): a human task as viewflow's View creates it, an automatic
node's once it is done.
"""

from contextlib import nullcontext

from django.db import connections, router, transaction
from django.db.models.signals import m2m_changed
from django.utils.timezone import now
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.context import context
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.nodes.end import EndActivation
from viewflow.workflow.nodes.func import FunctionActivation
from viewflow.workflow.nodes.if_gate import IfActivation
from viewflow.workflow.nodes.switch import SwitchActivation
from viewflow.workflow.nodes.view import ViewActivation
from viewflow.workflow.signals import flow_finished, task_finished, task_started
from viewflow.workflow.status import STATUS

from config.compiled import insert_statement, save_changed
from workflows.completion import current as current_completion


def _kept_failure_savepoint():
    """viewflow's savepoint around a node's body, only when a failure would be kept."""
    if context.propagate_exception:
        return nullcontext()
    return transaction.atomic(savepoint=True)


class _WrittenWhenDone:
    """Activation mixin: inside a completion the task row is inserted once it is done."""

    _previous_task = None

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        if current_completion() is None:
            return super().create(flow_task, prev_activation, token, data=data, seed=seed)
        task = flow_task.flow_class.task_class(
            process=prev_activation.process, flow_task=flow_task, token=token
        )
        task.data = data if data is not None else {}
        task.seed = seed
        activation = cls(task)
        activation._previous_task = prev_activation.task
        return activation

    def __hash__(self):
        # viewflow keeps activations in sets, hashed by their task: not saved yet here
        return hash(self.task) if self.task.pk is not None else id(self)

    def _complete(self):
        """The body of `complete` (declared on each activation class: viewflow finds the
        transition it overrides along the class's bases)."""
        assert transaction.get_connection().in_atomic_block
        self.task.finished = now()
        if self._previous_task is not None and self.task.pk is None:
            insert_linked(self.task, self._previous_task)
            self._previous_task = None
        else:
            self.task.save()
        task_finished.send(sender=self.flow_class, process=self.process, task=self.task)


class CaseFunctionActivation(_WrittenWhenDone, FunctionActivation):
    @Activation.status.super()
    def complete(self):
        self._complete()

    @Activation.status.super()
    def activate(self):
        with self.exception_guard(), _kept_failure_savepoint():
            self.task.started = now()
            task_started.send(sender=self.flow_class, process=self.process, task=self.task)
            self.flow_task._func(self)


class CaseIfActivation(_WrittenWhenDone, IfActivation):
    @Activation.status.super()
    def complete(self):
        self._complete()

    @Activation.status.super()
    def activate(self):
        with self.exception_guard(), _kept_failure_savepoint():
            self._condition_result = self.flow_task._condition(self)


class CaseSwitchActivation(_WrittenWhenDone, SwitchActivation):
    @Activation.status.super()
    def complete(self):
        self._complete()

    @Activation.status.super()
    def activate(self):
        with self.exception_guard(), _kept_failure_savepoint():
            for node, cond in self.flow_task._branches:
                if cond:
                    if cond(self):
                        self.next_task = node
                        break
                else:
                    self.next_task = node
            if not self.next_task:
                raise FlowRuntimeError(f"No next task available for {self.flow_task.name}")


class CaseEndActivation(_WrittenWhenDone, EndActivation):
    """viewflow's End: inside a completion without the savepoint (as the nodes above), the
    process finished with an UPDATE of its own table only, and the END task inserted once,
    done, with its link."""

    @Activation.status.super()
    def activate(self):
        if self.task.pk is not None:  # outside a completion: viewflow's own
            return super().activate.original()
        with self.exception_guard(), _kept_failure_savepoint():
            self.task.started = now()
            task_started.send(sender=self.flow_class, process=self.process, task=self.task)
            # the END task is not written yet: any unfinished task is another one
            others_active = self.flow_class.task_class._default_manager.filter(
                process=self.process, finished__isnull=True
            ).exists()
            if not others_active:
                self.process.status = STATUS.DONE
                self.process.finished = now()
                self.process.save(update_fields=["status", "finished"])
            task_finished.send(sender=self.flow_class, process=self.process, task=self.task)
            if not others_active:
                flow_finished.send(sender=self.flow_class, process=self.process, task=self.task)

    @Activation.status.super()
    def complete(self):
        self._complete()


class End(flow.End):
    activation_class = CaseEndActivation


class Function(flow.Function):
    activation_class = CaseFunctionActivation


class If(flow.If):
    activation_class = CaseIfActivation


class Switch(flow.Switch):
    activation_class = CaseSwitchActivation


class CaseViewActivation(ViewActivation):
    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        """viewflow's ViewActivation.create, with the task and its link written at once."""
        task = flow_task.flow_class.task_class(
            process=prev_activation.process, flow_task=flow_task, token=token
        )
        task.data = data if data is not None else {}
        task.seed = seed
        activation = cls(task)
        owner_permission = flow_task.calc_owner_permission(activation)
        if owner_permission:
            task.owner_permission = owner_permission
            task.owner_permission_obj = flow_task.calc_owner_permission_obj(activation)
        owner = flow_task.calc_owner(activation)
        if owner:
            task.owner = owner
            task.status = STATUS.ASSIGNED
        insert_linked(task, prev_activation.task)
        if flow_task._on_create is not None:
            flow_task._on_create(activation)
        return activation

    @Activation.status.super()
    def complete(self):
        """viewflow's complete (the task finished and saved, `task_finished` sent); in the
        completion of this very task only the fields that changed since its read under the
        lock are written (viewflow's save rewrites the whole row)."""
        assert transaction.get_connection().in_atomic_block
        self.task.finished = now()
        completion = current_completion()
        if completion is not None and completion.task is self.task and completion.task_row:
            if self.task.flow_task and not self.task.flow_task_type:
                self.task.flow_task_type = self.task.flow_task.task_type  # as Task.save
            save_changed(self.task, completion.task_row)
        else:
            self.task.save()
        task_finished.send(sender=self.flow_class, process=self.process, task=self.task)


class View(flow.View):
    activation_class = CaseViewActivation


def insert_linked(task, previous) -> None:
    """`task.save()` of a new task and `task.previous.add(previous)`, in one statement: the
    INSERT Django would send, and the link row inserted from its RETURNING (as `add` does,
    ON CONFLICT DO NOTHING). With a receiver of the save or m2m signals, or on SQLite, the two
    steps."""
    model = type(task)
    through = model.previous.through
    if task.flow_task and not task.flow_task_type:
        task.flow_task_type = task.flow_task.task_type  # as viewflow's Task.save
    using = router.db_for_write(model, instance=task)
    statement = None
    # One statement needs PostgreSQL's data-modifying WITH; SQLite (`make run`) takes two.
    postgresql = connections[using].vendor == "postgresql"
    if postgresql and task.pk is None and not m2m_changed.has_listeners(through):
        task._prepare_related_fields_for_save(operation_name="save")  # as Model.save
        # None with a receiver of the task's save signals (or anything else a save does)
        statement = insert_statement(task, using)
    if statement is None:
        task.save()
        task.previous.add(previous)
        return
    insert_sql, params = statement
    meta = model._meta
    connection = connections[using]
    quote = connection.ops.quote_name
    sql = (
        f"WITH new_task AS ({insert_sql}), "
        f"linked AS (INSERT INTO {quote(through._meta.db_table)} "
        f"({quote(through._meta.get_field('from_task').column)}, "
        f"{quote(through._meta.get_field('to_task').column)}) "
        f"SELECT new_task.{quote(meta.pk.column)}, %s FROM new_task ON CONFLICT DO NOTHING) "
        f"SELECT {quote(meta.pk.column)} FROM new_task"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, previous.pk])
        task.pk = cursor.fetchone()[0]
    task._state.adding = False
    task._state.db = using
