"""Bench scenario handover_500: a caseworker leaves holding 500 open tasks (and their cases);
the office's manager hands all of it to a colleague in one action (workflows.handover).

    python -m bench.scenarios.handover --tasks 500 --runs 3   (bench database; run.py calls it)

Each run happens inside a transaction that is rolled back, so the dataset stays as
generated: the set-up (500 open work tasks of the generated data given to the leaver, their
cases moved into the leaver's office and team) is not timed; the hand-over is, from the
service call to its return (all its queries, the case events, clocks, notification and audit
row; the COMMIT itself, a few ms, is not in the figure).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

WORK = "case_flows.work_case"


class _Rollback(Exception):
    pass


def _people():
    """A team with a supervisor and two caseworkers (the leaver and the colleague), and a
    manager of its office (made for the run when the office has none)."""
    from accounts.models import Role, Team, User
    from accounts.roles import ensure_role_groups

    for team in Team.objects.filter(supervisor__isnull=False).select_related("office"):
        workers = list(
            User.objects.filter(teams=team, groups__name=Role.CASEWORKER, is_active=True)
            .order_by("pk")
            .distinct()[:2]
        )
        if len(workers) == 2:
            break
    else:
        raise RuntimeError("no team with a supervisor and two caseworkers in the bench data")
    manager = User.objects.filter(home_office=team.office, groups__name=Role.MANAGER).first()
    if manager is None:
        manager = User.objects.create(username="bench-handover-manager", home_office=team.office)
        manager.groups.add(ensure_role_groups()[Role.MANAGER])
    return team, workers[0], workers[1], manager


def _give_tasks(team, leaver, count: int) -> int:
    """Open work tasks of the generated data become the leaver's (their cases too, moved
    into the leaver's office and team): the tasks of the leaver's office first."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            CREATE TEMP TABLE bench_handover_tasks ON COMMIT DROP AS
            SELECT t.id AS task_id, cp.case_id FROM viewflow_task t
            JOIN case_flows_caseprocess cp ON cp.process_ptr_id = t.process_id
            JOIN case_flows_case c ON c.id = cp.case_id
            WHERE t.status IN ('NEW', 'ASSIGNED') AND t.flow_task_type = 'HUMAN'
              AND t.owner_permission = %s
            ORDER BY (c.office_id = %s) DESC, t.id LIMIT %s
            """,
            [WORK, team.office_id, count],
        )
        cur.execute(
            "UPDATE case_flows_case SET office_id = %s, team_id = %s, owner_id = %s"
            " WHERE id IN (SELECT case_id FROM bench_handover_tasks)",
            [team.office_id, team.pk, leaver.pk],
        )
        cur.execute(
            "UPDATE viewflow_task SET owner_id = %s, status = 'ASSIGNED'"
            " WHERE id IN (SELECT task_id FROM bench_handover_tasks)",
            [leaver.pk],
        )
        cur.execute(
            "UPDATE workflows_slaclock SET owner_id = %s, office_id = %s, team_id = %s"
            " WHERE task_id IN (SELECT task_id FROM bench_handover_tasks)"
            " AND status IN ('running', 'paused')",
            [leaver.pk, team.office_id, team.pk],
        )
        cur.execute("SELECT count(*) FROM bench_handover_tasks")
        return cur.fetchone()[0]


def _one_run(count: int) -> dict:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from workflows.handover import open_tasks_of, tasks_hand_over

    outcome: dict = {}
    try:
        with transaction.atomic():
            team, leaver, colleague, manager = _people()
            outcome["given"] = _give_tasks(team, leaver, count)
            outcome["held"] = open_tasks_of(leaver).count()
            with CaptureQueriesContext(connection) as queries:
                began = time.perf_counter()
                handover = tasks_hand_over(
                    from_user=leaver, to_user=colleague, actor=manager, reason="bench"
                )
                outcome["seconds"] = round(time.perf_counter() - began, 3)
            outcome.update(
                moved=handover.moved_count,
                queued=handover.queued_count,
                cases=handover.extra.get("cases"),
                cases_moved=handover.extra.get("cases_moved"),
                queries=len(queries),
            )
            raise _Rollback
    except _Rollback:
        pass
    return outcome


def handover_scenario(*, tasks: int = 500, runs: int = 3) -> dict:
    results = [_one_run(tasks) for _ in range(runs)]
    seconds = [r["seconds"] for r in results]
    return {
        "tasks": tasks,
        "runs": results,
        "handover_500_s": max(seconds),
        "handover_500_s_median": round(statistics.median(seconds), 3),
        "what": "tasks_hand_over of a caseworker's open tasks (given 500 of the generated "
        "open work tasks, their cases moved into the leaver's team) to a colleague of the "
        "team: task and clock updates, cases passed on, one timeline event per case, one "
        "notification, one audit row; each run rolled back",
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    from bench import _env

    _env.setup()
    result = handover_scenario(tasks=args.tasks, runs=args.runs)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
