"""Queries per task completion, by kind (issue #22): each completion of a case's path, through
its service as the task or approval page calls it, with a user read afresh as a request reads
it. The walk is bench/transition_queries.py's (`python -m bench.transition_queries` prints the
same counts by kind of statement, and `--show KIND` lists them with where each comes from).

The counts are a request's: the SAVEPOINT and RELEASE that the test's own transaction adds
around the service's outermost atomic block are not counted. The budget is 15 per completion
(PERFORMANCE.md); the kinds above it are explained in docs/performance.md ("Transitions",
and its fourth round for the latest cuts).
"""

from django.db import connection

from bench.transition_queries import COMPLETIONS, build_world, by_kind, fresh_users, open_case
from bench.transition_queries import record as record_statements

BUDGET = 15

# lock, task+process+case, permissions, the record, the timeline, clocks stopped, task done,
# the flow's next nodes (a gateway or function: one INSERT as done, with its link), the next
# task (one INSERT with its link: case_flows.flow.nodes.insert_linked), its deadline
# (policies, INSERT), the overdue flag, the notification;
# where a completion writes a webhook event (case assigned, approval decided, stage changed),
# one lookup of the office's endpoints for all of them (notifications.webhooks.batched)
ALLOCATION = 18
INTAKE = 17
ASSESSMENT = 23
ASSESSMENT_APPROVAL = 21
PLAN = 21
PLAN_APPROVAL = 20
REFERRALS = 19
FOLLOW_UP_CONTINUE = 13  # the bench's transition
FOLLOW_UP_CLOSE = 12
CLOSURE_PREPARATION = 23
CLOSURE_APPROVAL = 20

EXPECTED = {
    "allocation": ALLOCATION,
    "intake": INTAKE,
    "assessment": ASSESSMENT,
    "assessment approval": ASSESSMENT_APPROVAL,
    "plan": PLAN,
    "plan approval": PLAN_APPROVAL,
    "referrals": REFERRALS,
    "follow-up (continue)": FOLLOW_UP_CONTINUE,
    "follow-up (close)": FOLLOW_UP_CLOSE,
    "closure preparation": CLOSURE_PREPARATION,
    "closure approval": CLOSURE_APPROVAL,
}


def _as_in_a_request(statements):
    """Without the savepoint the test's transaction puts around the outermost atomic block."""
    first = next((s for s in statements if s.sql.startswith("SAVEPOINT")), None)
    if first is None:
        return statements
    sid = first.sql.split(None, 1)[1]
    return [s for s in statements if s.sql not in (f"SAVEPOINT {sid}", f"RELEASE SAVEPOINT {sid}")]


def _walk(world):
    counts, details = {}, {}
    for kind, step in COMPLETIONS:
        fresh_users(world)
        call = step(world)
        statements = _as_in_a_request(record_statements(call))
        counts[kind] = len(statements)
        details[kind] = "\n".join(
            f"  {n}. {s.where}: {s.sql[:160]}" for n, s in enumerate(statements, start=1)
        )
    return counts, details


def test_queries_per_completion_of_each_kind(db):
    assert connection.in_atomic_block  # the test's transaction, whose savepoint is not counted
    warm = build_world("warm")
    open_case(warm)
    _walk(warm)  # content types, calendars: read once per process, not per completion

    world = build_world("count")
    open_case(world)
    counts, details = _walk(world)

    assert counts == EXPECTED, "\n".join(
        f"{kind}: {counts[kind]} (expected {EXPECTED[kind]})\n{details[kind]}"
        for kind in counts
        if counts[kind] != EXPECTED[kind]
    )
    world.case.refresh_from_db()
    assert world.case.stage == "closed"  # the walk really went through every completion
    # the process finished as viewflow's End finishes it: done, with its END task linked
    process = world.case.processes.get()
    assert process.status == "DONE" and process.finished is not None
    end = process.task_set.get(flow_task_type="END")
    assert (end.status, end.finished is not None) == ("DONE", True)
    assert [t.flow_task.name for t in end.previous.all()] == ["to_closed"]
    assert not process.task_set.filter(finished__isnull=True).exists()


def test_the_bench_transition_is_within_the_budget(db):
    """The follow-up the bench completes again and again, with the statements it makes."""
    warm = build_world("warm")
    open_case(warm)
    _walk(warm)
    world = build_world("bench")
    open_case(world)
    for _kind, step in COMPLETIONS[:7]:  # up to the first follow-up
        fresh_users(world)
        step(world)()
    follow_up = dict(COMPLETIONS)["follow-up (continue)"]
    fresh_users(world)
    statements = _as_in_a_request(record_statements(follow_up(world)))
    assert len(statements) <= BUDGET
    kinds = by_kind(statements)
    assert not any(kind.endswith("SAVEPOINT") for kind in kinds)  # none needed
    # the route (inserted done) and the next task, each with its `previous` link in one statement
    assert kinds["INSERT viewflow_task (WITH its link)"] == 2
    assert "INSERT viewflow_task_previous" not in kinds
    # the completed task's UPDATE writes what the completion changed, not the whole row
    [task_update] = [s.sql for s in statements if s.sql.startswith('UPDATE "viewflow_task"')]
    assigned = task_update.split(" WHERE ")[0]
    assert assigned == (
        'UPDATE "viewflow_task" SET "status" = %s, "started" = %s, "finished" = %s'
    ), task_update
