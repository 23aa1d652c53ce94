"""An escalation handler for the Celery integration test: one line per escalation handled.

Loaded in the worker processes through SLA_ESCALATION_HANDLERS; writes to the file named
by SLA_TEST_HANDLER_LOG (append-only, one write per line, so two workers can share it).
"""

import os


def record(escalations) -> None:
    path = os.environ.get("SLA_TEST_HANDLER_LOG")
    if not path:
        return
    lines = "".join(f"{e.clock_id} {e.step} {e.key}\n" for e in escalations)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(lines)
