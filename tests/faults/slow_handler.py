"""An escalation handler for the fault suite: sleeps per batch so a worker can be killed in
the middle of a sweep (loaded in the worker through SLA_ESCALATION_HANDLERS)."""

import os
import time


def slow(escalations) -> None:
    time.sleep(float(os.environ.get("SLA_TEST_HANDLER_SLEEP", "0.2")))
