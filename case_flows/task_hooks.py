"""What happens when the case flow opens a human task (deadlines, notifications)."""


def task_opened(task, case) -> None:
    """Extension point called inside the flow transaction for every new human task.

    The SLA engine and notifications attach here once merged (see docs/architecture.md).
    """


def risk_changed(case, *, actor) -> None:
    """Extension point: deadlines are re-targeted when the risk level changes (SLA engine)."""
