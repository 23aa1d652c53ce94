"""A flow lock that is safe inside an outer transaction.

viewflow's `select_for_update_lock` takes the row with NOWAIT and catches the DatabaseError
inside its own atomic block: when the row is contended inside an outer transaction (every
service here runs in one), the savepoint is left aborted and the caller gets
"current transaction is aborted" instead of a clean answer. This lock waits for the row
instead (bounded by PostgreSQL's lock_timeout), so the second of two racing users simply
runs after the first and finds the task already done: a clear Conflict, never a 500.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from viewflow.workflow.exceptions import FlowLockFailed

from config.compiled import CompiledQuery


class WaitingSelectForUpdateLock:
    def __init__(self, timeout_ms: int | None = None):
        self.timeout_ms = timeout_ms

    @contextmanager
    def __call__(self, flow_class, process_pk):
        timeout = self.timeout_ms or settings.WORKFLOW_LOCK_TIMEOUT_MS
        # No savepoints: a failed lock aborts the caller's transaction, which the
        # FlowLockFailed raised here then rolls back (every caller holds the lock inside
        # its own atomic block, and nothing continues after a refused lock).
        with transaction.atomic(savepoint=False):
            try:
                with transaction.atomic(savepoint=False):
                    _lock_row(flow_class.process_class, process_pk, timeout)
            except DatabaseError as exc:
                raise FlowLockFailed(f"Lock failed for {flow_class}") from exc
            yield


def _lock_row(process_class, process_pk, timeout_ms: int) -> None:
    """The process row FOR UPDATE, waiting at most `timeout_ms`, then no limit again. On
    PostgreSQL with client-side binding (Django's default) the three statements go in one
    round trip."""
    if connection.vendor != "postgresql":
        process_class._default_manager.filter(pk=process_pk).select_for_update().exists()
        return
    timeout = f"{int(timeout_ms)}ms"
    # the statement's SQL is compiled once per process class (config.compiled)
    sql, params = _PROCESS_ROW.sql(int(process_pk), variant=process_class, using=connection.alias)
    with connection.cursor() as cursor:
        if connection.settings_dict.get("OPTIONS", {}).get("server_side_binding") is True:
            cursor.execute("SET LOCAL lock_timeout = %s", [timeout])
            cursor.execute(sql, params)
            cursor.execute("SET LOCAL lock_timeout = 0")
            return
        cursor.execute(
            f"SET LOCAL lock_timeout = %s; {sql}; SET LOCAL lock_timeout = 0", [timeout, *params]
        )


_PROCESS_ROW = CompiledQuery(
    lambda process_class, pk: (
        process_class._default_manager.filter(pk=pk).select_for_update().values("pk")
    )
)


select_for_update_wait_lock = WaitingSelectForUpdateLock()


def processes_lock(process_class, process_pks, *, timeout_ms: int | None = None) -> list[int]:
    """The flow lock of many processes at once: their rows, in id order (the documented lock
    order), in one statement, waiting at most WORKFLOW_LOCK_TIMEOUT_MS. Returns the ids
    locked. Call it inside the caller's transaction; raises FlowLockFailed on a timeout or
    a deadlock."""
    pks = sorted(set(process_pks))
    if not pks:
        return []
    assert connection.in_atomic_block, "processes_lock() needs an outer transaction"
    timeout = timeout_ms or settings.WORKFLOW_LOCK_TIMEOUT_MS
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = %s", [f"{int(timeout)}ms"])
            locked = list(
                process_class._default_manager.filter(pk__in=pks)
                .order_by("pk")
                .select_for_update()
                .values_list("pk", flat=True)
            )
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = 0")
    except DatabaseError as exc:
        raise FlowLockFailed(f"Lock failed for {process_class}") from exc
    return locked
