"""Open and overdue tasks per office, computed when Prometheus scrapes (one grouped query).

A task counts when it runs a deadline clock (kind "task", running or paused): every human
task a policy times. Overdue is the dashboard's rule: a running task clock that has breached.
Labels are office codes, so the series are bounded by the offices; an active office with no
open task reports 0 (a series that vanished would look like missing data).
"""

import logging
from collections.abc import Iterator

from django.db import DatabaseError, connection
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from accounts.models import Office

from .sla.models import SlaClock
from .sla.units import ClockKind, ClockStatus

logger = logging.getLogger(__name__)


def _column(model, name: str) -> str:
    return model._meta.get_field(name).column


def _office_tasks_sql() -> str:
    offices, clocks = Office._meta.db_table, SlaClock._meta.db_table
    clock_office = _column(SlaClock, "office")
    return (
        f"SELECT o.{_column(Office, 'code')},"
        " COALESCE(c.open_count, 0), COALESCE(c.overdue_count, 0)"
        f" FROM {offices} o LEFT JOIN ("
        f"  SELECT {clock_office} AS office_id, COUNT(*) AS open_count,"
        f"   COUNT(*) FILTER (WHERE {_column(SlaClock, 'status')} = %s"
        f"    AND {_column(SlaClock, 'breached')}) AS overdue_count"
        f"  FROM {clocks}"
        f"  WHERE {_column(SlaClock, 'kind')} = %s AND {_column(SlaClock, 'status')} IN (%s, %s)"
        f"  GROUP BY {clock_office}"
        f" ) c ON c.office_id = o.{_column(Office, 'id')}"
        f" WHERE o.{_column(Office, 'is_active')} OR c.office_id IS NOT NULL"
        " ORDER BY 1"
    )


def office_task_counts() -> list[tuple[str, int, int]]:
    """(office code, open tasks, overdue tasks) for every active office and any other with
    open tasks, in one query."""
    params = [ClockStatus.RUNNING, ClockKind.TASK, ClockStatus.RUNNING, ClockStatus.PAUSED]
    with connection.cursor() as cursor:
        cursor.execute(_office_tasks_sql(), [str(p) for p in params])
        return [(code, int(open_), int(overdue)) for code, open_, overdue in cursor.fetchall()]


class OfficeTasksCollector(Collector):
    """The two gauges, read at scrape time; `caseflow_office_tasks_up` 0 when the database
    could not answer (the rest of the scrape still goes out)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily(
            "caseflow_office_tasks_up", "Whether the open/overdue task counts could be read."
        )
        try:
            rows = office_task_counts()
        except DatabaseError:
            logger.warning("metrics: the open and overdue task counts could not be read")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        open_tasks = GaugeMetricFamily(
            "caseflow_office_open_tasks",
            "Open human tasks with a deadline, by office.",
            labels=["office"],
        )
        overdue_tasks = GaugeMetricFamily(
            "caseflow_office_overdue_tasks",
            "Open human tasks past their deadline, by office.",
            labels=["office"],
        )
        for code, open_count, overdue_count in rows:
            open_tasks.add_metric([code], open_count)
            overdue_tasks.add_metric([code], overdue_count)
        yield open_tasks
        yield overdue_tasks
