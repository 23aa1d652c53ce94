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


def _office_tasks_sql() -> str:
    office, clock = Office._meta, SlaClock._meta
    office_col = clock.get_field("office").column
    return (
        f"SELECT o.{office.get_field('code').column},"  # noqa: S608 (names from the models)
        " COALESCE(c.open, 0), COALESCE(c.overdue, 0)"
        f" FROM {office.db_table} o LEFT JOIN ("
        f"  SELECT {office_col} AS office_id, COUNT(*) AS open,"
        "   COUNT(*) FILTER (WHERE status = %s AND breached) AS overdue"
        f"  FROM {clock.db_table} WHERE kind = %s AND status IN (%s, %s) GROUP BY {office_col}"
        f" ) c ON c.office_id = o.{office.pk.column}"
        f" WHERE o.{office.get_field('is_active').column} OR c.office_id IS NOT NULL"
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
