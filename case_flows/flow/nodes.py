"""viewflow's automatic nodes (Function, If, Switch) as CaseFlow uses them, with fewer writes.

viewflow runs each automatic node's body in a savepoint so that, when a failure is kept as
the task's error state (`propagate_exception` off), the transaction goes on; this project
never turns that off, so a failure rolls the whole completion back and the savepoint is a
round trip for nothing: it is taken only when a failure would be kept.

Inside a task completion (workflows.completion), a node's task row is written once, when the
node is done (INSERT as DONE, then its link to the previous task), instead of INSERT as NEW
and UPDATE to DONE: nothing between the two needs the row (the completion tells the nodes'
bodies who acted and what was decided). Outside a completion viewflow's own path is kept.
"""

from contextlib import nullcontext

from django.db import transaction
from django.utils.timezone import now
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.context import context
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.nodes.func import FunctionActivation
from viewflow.workflow.nodes.if_gate import IfActivation
from viewflow.workflow.nodes.switch import SwitchActivation
from viewflow.workflow.signals import task_finished, task_started

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
        self.task.save()
        if self._previous_task is not None:
            self.task.previous.add(self._previous_task)
            self._previous_task = None
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


class Function(flow.Function):
    activation_class = CaseFunctionActivation


class If(flow.If):
    activation_class = CaseIfActivation


class Switch(flow.Switch):
    activation_class = CaseSwitchActivation
