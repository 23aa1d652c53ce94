"""Queries per task completion, by kind of completion and kind of statement (issue #22).

    python -m bench.transition_queries [--database-url URL] [--show KIND] [--profile N]
                                       [--cpu N]

Drives one case through every kind of task completion, each through its service as the task
or approval page calls it (the task read beforehand as the page reads it), and prints for
each completion its statements grouped by kind: SELECT of which table (FOR UPDATE marked),
INSERT/UPDATE of which table, SAVEPOINT/RELEASE, SET. `--show KIND` lists that completion's
statements with the line of project code that issued each. `--profile N` runs the bench's
follow-up completion N times under pyinstrument (installed by hand: it is not a dependency)
and prints the profile. `--cpu N` times N of them (after 30 to warm up), three times: the
CPU time of this process and of its PostgreSQL backend (`/proc/<pid>/stat`, on the same
machine) per completion, with the wall time.

The completions run in autocommit as in a request (no outer transaction), so the counts are
a request's counts. The data (an office of its own per run) stays in the database given,
by default `caseflow_bench_queries` on DATABASE_URL's server; never the development database.

tests/case_flows/test_transition_queries.py walks the same steps (`COMPLETIONS`) and asserts
the counts.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import os
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE = "caseflow_bench_queries"
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class World:
    office: object
    team: object
    supervisor: object
    caseworker: object
    case: object = None


def build_world(suffix: str) -> World:
    """The SLA policy pack, and an office with a team, its supervisor and a caseworker."""
    from accounts.models import Jurisdiction, Office, Role, Team, User
    from accounts.roles import ensure_role_groups
    from workflows.sla.seed import seed_sla_policies

    seed_sla_policies()  # the default deadlines (idempotent), as every deployment has them
    groups = ensure_role_groups()
    office = Office.objects.create(
        code=f"Q{suffix}"[:8],
        name=f"Query office {suffix}",
        jurisdiction=Jurisdiction.GHANA,
        timezone="Africa/Accra",
    )
    supervisor = User.objects.create_user(
        username=f"q-sup-{suffix}", home_office=office, first_name="Sup"
    )
    supervisor.groups.add(groups[Role.SUPERVISOR])
    team = Team.objects.create(office=office, name=f"Team {suffix}", supervisor=supervisor)
    caseworker = User.objects.create_user(
        username=f"q-cw-{suffix}", home_office=office, first_name="Akosua"
    )
    caseworker.groups.add(groups[Role.CASEWORKER])
    team.members.add(supervisor, caseworker)
    return World(office=office, team=team, supervisor=supervisor, caseworker=caseworker)


def open_case(world: World):
    import case_flows.cases.services as case_services
    from case_flows.models import Category

    category = Category.objects.get_or_create(
        code="child_protection", defaults={"name": "child protection"}
    )[0]
    person = case_services.person_create(
        actor=world.caseworker, office=world.office, given_name="Kwame", family_name="Mensah"
    )
    world.case = case_services.case_open(
        actor=world.caseworker,
        person=person,
        office=world.office,
        category=category,
        risk="medium",
        source="walk_in",
        presenting_concerns="Child out of school",
    )
    return world.case


# --- the completions ---------------------------------------------------------------------------


def _page_task(world: World, node: str, actor):
    """The open task of `node`, read as the task page reads it (work_selectors.task_for_user)."""
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    from case_flows.work.selectors import task_for_user

    task_id = (
        Task.objects.filter(
            process__caseprocess__case=world.case,
            flow_task_type="HUMAN",
            status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED],
        )
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    task = task_for_user(actor, task_id)
    assert task is not None and task.flow_task.name == node, (node, task)
    return task


def _approval(world: World, node: str):
    """The pending approval of `node`, read as the approval page reads it."""
    from case_flows.work.selectors import approval_for_user

    task = _page_task(world, node, world.supervisor)
    return approval_for_user(world.supervisor, task.approval.pk)


def allocate(world: World) -> Callable[[], object]:
    import case_flows.work.services as work

    task = _page_task(world, "allocate", world.supervisor)
    return lambda: work.case_allocate(
        task=task, actor=world.supervisor, caseworker=world.caseworker, team=world.team
    )


def intake(world: World) -> Callable[[], object]:
    import case_flows.work.services as work

    task = _page_task(world, "intake", world.caseworker)
    return lambda: work.intake_complete(
        task=task,
        actor=world.caseworker,
        source="walk_in",
        presenting_concerns="Child out of school",
        immediate_safety="at_risk",
        consent_to_share=True,
    )


def assessment(world: World) -> Callable[[], object]:
    import case_flows.work.services as work

    task = _page_task(world, "assess", world.caseworker)
    return lambda: work.assessment_submit(
        task=task,
        actor=world.caseworker,
        needs={"education": "high", "safety": "medium"},
        strengths="Supportive grandmother",
        risk_decided="high",
    )


def _approve(node: str):
    def step(world: World) -> Callable[[], object]:
        from workflows.approvals.services import approval_decide

        approval = _approval(world, node)
        return lambda: approval_decide(
            approval=approval, actor=world.supervisor, approve=True, comment="Agreed."
        )

    step.__name__ = node
    return step


def plan(world: World) -> Callable[[], object]:
    import case_flows.work.services as work

    task = _page_task(world, "plan", world.caseworker)
    return lambda: work.plan_submit(
        task=task,
        actor=world.caseworker,
        goals=["Back in school", "Safe at home"],
        actions=[
            {
                "description": "Enrol at the district school",
                "responsible": "Caseworker",
                "target_date": datetime.date.today() + datetime.timedelta(days=90),
            }
        ],
    )


def referrals(world: World) -> Callable[[], object]:
    import case_flows.referrals.services as referral_services

    task = _page_task(world, "arrange_referrals", world.caseworker)
    return lambda: referral_services.referrals_arrange(
        task=task, actor=world.caseworker, referrals=[], none_needed=True
    )


def _follow_up(next_step: str):
    def step(world: World) -> Callable[[], object]:
        from django.utils import timezone

        import case_flows.work.services as work

        task = _page_task(world, "follow_up", world.caseworker)
        return lambda: work.follow_up_record(
            task=task,
            actor=world.caseworker,
            date=timezone.localdate(),
            mode="phone",
            notes="Family engaging with the plan.",
            next_step=next_step,
        )

    step.__name__ = f"follow_up_{next_step}"
    return step


def closure(world: World) -> Callable[[], object]:
    import case_flows.work.services as work

    task = _page_task(world, "prepare_closure", world.caseworker)
    return lambda: work.closure_prepare(
        task=task, actor=world.caseworker, reason="goals_met", summary="Goals met."
    )


# (kind, the step that reads what the page has and returns the completion), in flow order.
COMPLETIONS: list[tuple[str, Callable[[World], Callable[[], object]]]] = [
    ("allocation", allocate),
    ("intake", intake),
    ("assessment", assessment),
    ("assessment approval", _approve("approve_assessment")),
    ("plan", plan),
    ("plan approval", _approve("approve_plan")),
    ("referrals", referrals),
    ("follow-up (continue)", _follow_up("continue")),
    ("follow-up (close)", _follow_up("close")),
    ("closure preparation", closure),
    ("closure approval", _approve("approve_closure")),
]


# --- statements by kind ---------------------------------------------------------------------

_TABLE = r'"?([\w.]+)"?'


def _with_statement_kind(text: str) -> str | None:
    """A data-modifying statement with CTEs, named by its main verb: a task inserted with its
    link (case_flows.flow.nodes.insert_linked), sla_clock_stop's UPDATE; None for a SELECT."""
    match = re.match(r"WITH \w+ AS \(INSERT INTO " + _TABLE, text, re.I)
    if match:
        return f"INSERT {match.group(1)} (WITH its link)"
    match = re.search(r"\)\s*(UPDATE|INSERT INTO|DELETE FROM) " + _TABLE, text, re.I)
    if match:
        return f"{match.group(1).split()[0].upper()} {match.group(2)} (WITH)"
    return None


def statement_kind(sql: str) -> str:
    """`SELECT table`, `SELECT table FOR UPDATE`, `INSERT table`, `UPDATE table`,
    `SAVEPOINT`, `RELEASE SAVEPOINT`, `SET`, ... for one statement."""
    text = sql.strip()
    head = text.split(None, 1)[0].upper() if text else ""
    if head == "SET" and ";" in text:
        return "SET; SELECT FOR UPDATE; SET (the flow lock)"
    if head.startswith("("):
        head = "SELECT"  # a UNION
    if head in ("SAVEPOINT", "RELEASE", "ROLLBACK", "SET"):
        return {"RELEASE": "RELEASE SAVEPOINT", "ROLLBACK": "ROLLBACK TO SAVEPOINT"}.get(head, head)
    if head == "INSERT":
        match = re.match(r"INSERT INTO " + _TABLE, text, re.I)
        return f"INSERT {match.group(1) if match else '?'}"
    if head == "UPDATE":
        match = re.match(r"UPDATE " + _TABLE, text, re.I)
        return f"UPDATE {match.group(1) if match else '?'}"
    if head == "DELETE":
        match = re.match(r"DELETE FROM " + _TABLE, text, re.I)
        return f"DELETE {match.group(1) if match else '?'}"
    if head == "WITH" and (named := _with_statement_kind(text)):
        return named
    if head in ("SELECT", "WITH", "("):
        match = re.search(r"\bFROM " + _TABLE, text, re.I)
        table = match.group(1) if match else "(no table)"
        locking = " FOR UPDATE" if re.search(r"FOR (NO KEY )?UPDATE", text) else ""
        return f"SELECT {table}{locking}"
    return head


@dataclass
class Statement:
    sql: str
    where: str  # the innermost line of project code that issued it


@dataclass
class Recorder:
    statements: list[Statement] = field(default_factory=list)

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(Statement(sql=sql, where=_project_frame()))
        return execute(sql, params, many, context)


def _project_frame() -> str:
    frames = traceback.extract_stack()[:-2]
    for frame in reversed(frames):
        path = Path(frame.filename)
        if ROOT in path.parents and ".venv" not in path.parts and path.name != __file__:
            if path.name == "transition_queries.py":
                continue
            return f"{path.relative_to(ROOT)}:{frame.lineno} {frame.name}"
    return "?"


def record(call: Callable[[], object]) -> list[Statement]:
    """The statements `call()` sends, with where each came from."""
    from django.db import connection

    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        call()
    return recorder.statements


def by_kind(statements: list[Statement]) -> collections.Counter:
    return collections.Counter(statement_kind(s.sql) for s in statements)


def fresh_users(world: World) -> None:
    """The people read afresh, as each request reads its user (no permissions cached)."""
    from accounts.models import User

    world.supervisor = User.objects.get(pk=world.supervisor.pk)
    world.caseworker = User.objects.get(pk=world.caseworker.pk)


def measure_all(world: World) -> dict[str, list[Statement]]:
    """Every completion of COMPLETIONS on the world's case, in order: the statements of each."""
    results = {}
    for kind, step in COMPLETIONS:
        fresh_users(world)
        call = step(world)
        results[kind] = record(call)
    return results


# --- the command line ---------------------------------------------------------------------------


def _database_url(explicit: str | None) -> str:
    if explicit:
        return explicit
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/caseflow"
    return urlunsplit(urlsplit(base)._replace(path=f"/{DEFAULT_DATABASE}"))


def _print_counts(results: dict[str, list[Statement]]) -> None:
    print(f"{'completion':<24}{'queries':>8}  by kind")
    for kind, statements in results.items():
        counts = by_kind(statements)
        detail = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
        print(f"{kind:<24}{len(statements):>8}  {detail}")


def _print_statements(kind: str, statements: list[Statement]) -> None:
    print(f"\n--- {kind}: {len(statements)} statements")
    for n, statement in enumerate(statements, start=1):
        print(f"{n:>3}. {statement_kind(statement.sql):<42} {statement.where}")
        print(f"     {statement.sql[:220]}")


def _bench_completion(world: World) -> None:
    """The bench's completion, as bench/scenarios/transitions.py runs it: the task and the
    user read afresh each time, then the follow-up with 'continue'."""
    from django.utils import timezone
    from viewflow.workflow.models import Task

    import case_flows.work.services as work
    from accounts.models import User

    task = (
        Task.objects.filter(
            process__caseprocess__case_id=world.case.pk,
            status__in=("NEW", "ASSIGNED", "STARTED"),
            flow_task_type="HUMAN",
        )
        .order_by("-pk")
        .first()
    )
    work.follow_up_record(
        task=task,
        actor=User.objects.get(pk=world.caseworker.pk),
        date=timezone.localdate(),
        mode="phone",
        notes="Bench follow-up: family engaging with the plan.",
        next_step="continue",
    )


def _backend_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu(world_factory: Callable[[], World], runs: int) -> None:
    """CPU per bench completion, this process and its PostgreSQL backend."""
    import time

    from django.db import connection

    world = world_factory()
    for _kind, step in COMPLETIONS[:8]:  # up to the first follow-up
        step(world)()
    for _n in range(30):
        _bench_completion(world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    for _round in range(3):
        backend, cpu, wall = _backend_cpu_s(pid), time.process_time(), time.perf_counter()
        for _n in range(runs):
            _bench_completion(world)
        print(
            f"{runs} completions: Python CPU {1000 * (time.process_time() - cpu) / runs:.2f} ms,"
            f" PostgreSQL backend CPU {1000 * (_backend_cpu_s(pid) - backend) / runs:.2f} ms,"
            f" wall {1000 * (time.perf_counter() - wall) / runs:.2f} ms per completion"
        )


def _profile(world_factory: Callable[[], World], runs: int) -> None:
    """The bench's completion (follow-up, 'continue') `runs` times under pyinstrument."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        sys.exit("pyinstrument is not installed: .venv/bin/pip install pyinstrument")

    world = world_factory()
    for _kind, step in COMPLETIONS[:8]:  # up to the first follow-up
        step(world)()
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _n in range(runs):
        _bench_completion(world)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help=f"default: {DEFAULT_DATABASE} on DATABASE_URL")
    parser.add_argument("--show", action="append", default=[], help="list this kind's statements")
    parser.add_argument("--show-all", action="store_true")
    parser.add_argument("--profile", type=int, default=0, help="follow-up completions to profile")
    parser.add_argument("--cpu", type=int, default=0, help="follow-up completions to time")
    args = parser.parse_args(argv)

    from bench import _env

    _env.setup(_database_url(args.database_url))
    import uuid

    from django.db import connection

    def world_factory() -> World:
        world = build_world(uuid.uuid4().hex[:8])
        open_case(world)
        return world

    assert connection.get_autocommit(), "completions must run as in a request"
    if args.profile:
        _profile(world_factory, args.profile)
        return
    if args.cpu:
        _cpu(world_factory, args.cpu)
        return
    results = measure_all(world_factory())
    _print_counts(results)
    for kind in results if args.show_all else args.show:
        _print_statements(kind, results[kind])


if __name__ == "__main__":
    main()
