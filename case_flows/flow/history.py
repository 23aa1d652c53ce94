"""Walking back along a process's tasks: who did the work that led to a node.

Inside a task completion (workflows.completion) the walk ends at the completed task without
reading: every node the completion creates in its process comes after it, through automatic
nodes that nobody owns, and the completed task is owned by the actor.
"""

from workflows.completion import current


def previous_task(activation):
    completion = current()
    if completion is not None and completion.follows(activation):
        return completion.task
    return activation.task.previous.select_related("owner").order_by("-pk").first()


def last_owned_task(task):
    """The last task before `task` that someone completed (skipping the flow's own nodes)."""
    completion = current()
    if completion is not None and completion.owns(task) and task.pk != completion.task.pk:
        return completion.task
    current_task = task
    for _hop in range(6):
        current_task = current_task.previous.select_related("owner").order_by("-pk").first()
        if current_task is None or current_task.owner_id is not None:
            return current_task
    return None
