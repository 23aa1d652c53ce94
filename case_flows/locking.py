"""The one lock order for a case: the flow locks of its open processes (process rows, by id),
then the case row. Task completion takes the flow lock and then writes the case row (the
stage transition); any other path that locks the case and then touches its tasks must take
the locks the same way, or the two deadlock (docs/architecture.md, "Lock order")."""

from django.db import connection
from viewflow.workflow.status import PROCESS

from .flows import CaseFlow
from .models import Case, CaseProcess


def case_lock(case_pk: int) -> Case:
    """Lock the case's open processes, then the case row; returns the locked case. Call it
    inside the caller's transaction: the locks last until it ends."""
    assert connection.in_atomic_block, "case_lock() needs an outer transaction"
    process_pks = (
        CaseProcess.objects.filter(case_id=case_pk)
        .exclude(status__in=[PROCESS.DONE, PROCESS.CANCELED])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for process_pk in process_pks:
        # The flow lock takes the process row inside a savepoint; the row stays locked by
        # the outer transaction after the savepoint is released.
        with CaseFlow.lock(process_pk):
            pass
    # FOR NO KEY UPDATE, as a plain UPDATE takes: rows that refer to the case (timeline
    # events the sweep writes) can still be inserted meanwhile.
    return Case.objects.select_for_update(no_key=True).get(pk=case_pk)
