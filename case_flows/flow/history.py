"""Walking back along a process's tasks: who did the work that led to a node."""


def previous_task(activation):
    return activation.task.previous.select_related("owner").order_by("-pk").first()


def last_owned_task(task):
    """The last task before `task` that someone completed (skipping the flow's own nodes)."""
    current = task
    for _hop in range(6):
        current = current.previous.select_related("owner").order_by("-pk").first()
        if current is None or current.owner_id is not None:
            return current
    return None
