"""A new task and its `previous` link: one statement on PostgreSQL, two on SQLite (the
embedded `make run` database has no data-modifying WITH; seeding the demo failed on it)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.models import Task

from case_flows.flow.nodes import insert_linked

pytestmark = pytest.mark.django_db


def _new_task_after(previous: Task) -> Task:
    return Task(process=previous.process, flow_task=previous.flow_task, status="NEW")


@pytest.mark.parametrize(("vendor", "statements"), [("postgresql", 1), ("sqlite", 2)])
def test_the_task_is_saved_and_linked(new_case, monkeypatch, vendor, statements):
    previous = Task.objects.filter(process__caseprocess__case=new_case).order_by("pk").last()
    task = _new_task_after(previous)
    monkeypatch.setattr(connection, "vendor", vendor)
    with CaptureQueriesContext(connection) as queries:
        insert_linked(task, previous)
    monkeypatch.undo()
    inserts = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == statements
    assert not any(sql.lstrip().startswith("WITH") for sql in inserts) or vendor == "postgresql"
    assert task.pk is not None and not task._state.adding
    assert list(Task.objects.get(pk=task.pk).previous.all()) == [previous]
