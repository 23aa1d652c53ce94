"""A minimal viewflow flow with one database Timer: the baseline the SLA sweep is compared to."""

from datetime import timedelta

from viewflow import this
from viewflow.workflow import flow, lock


class TimerBenchFlow(flow.Flow):
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle().Next(this.wait)
    wait = flow.Timer(timedelta(minutes=1)).Next(this.end)
    end = flow.End()
