"""A small, hand-built world for the dashboard tests: every figure is known exactly.

Now is 2026-06-15 12:00 UTC (offices in Africa/Accra, UTC+0). Office BEK has team A (sup,
cw) and team B (sup2, cw2); office SOC has team C (cw3).

case  office team owner stage       opened      notes
c1    BEK    A    cw    assessment  06-10 09:00 assessment pending approval since 06-12 12:00
c2    BEK    A    cw    planning    04-01 09:00 intake 2 days, assessment 5 days; plan task
                                               overdue (breached running clock)
c4    BEK    B    —     intake      03-01 09:00 allocate task overdue (unclaimed)
c5    BEK    B    cw2   assessment  06-13 09:00 assessment pending approval since 06-14 12:00
c3    SOC    C    cw3   assessment  2025-12-01  review_overdue task since 06-10 12:00
c1 also has a review_overdue task since 06-13 12:00.
"""

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType

import case_flows.cases.services as case_services
from accounts.models import Role
from case_flows.flow import hooks as task_hooks
from case_flows.flows import CaseFlow
from case_flows.models import Case, CaseloadThreshold
from tests.factories import category, make_person, make_team, make_user
from tests.steps import allocate, approve, complete_intake, open_task, submit_assessment
from tests.workflows.sla_factories import make_policy
from workflows.sla.models import SlaClock

UTC = datetime.UTC
NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def at(month, day, hour=9, year=2026):
    return datetime.datetime(year, month, day, hour, 0, tzinfo=UTC)


@dataclass
class World:
    office: object
    other_office: object
    team_a: object
    team_b: object
    sup: object
    sup2: object
    cw: object
    cw2: object
    cw3: object
    manager: object
    national: object
    c1: Case
    c2: Case
    c3: Case
    c4: Case
    c5: Case
    policy_assess: object
    policy_first: object


def open_case(time_machine, when, *, office, actor, team=None, family="Owusu", given="Ama"):
    time_machine.move_to(when, tick=False)
    return case_services.case_open(
        actor=actor,
        person=make_person(office, given, family),
        office=office,
        category=category(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Concern",
        team=team,
    )


def make_clock(case, policy, *, status, stopped_at=None, breached=False, task=None, name=None):
    case.refresh_from_db()
    started = (stopped_at or NOW) - datetime.timedelta(days=3)
    return SlaClock.objects.create(
        subject_type=ContentType.objects.get_for_model(Case),
        subject_id=case.pk,
        task=task,
        office_id=case.office_id,
        team_id=case.team_id,
        owner_id=case.owner_id,
        risk=case.risk,
        category=case.category.code,
        kind="task",
        name=name or policy.node_name or "task",
        policy=policy,
        status=status,
        started_at=started,
        due_at=started + datetime.timedelta(days=2),
        warn_at=started + datetime.timedelta(days=1),
        stopped_at=stopped_at,
        breached=breached,
        breached_at=started + datetime.timedelta(days=2) if breached else None,
    )


def build_world(time_machine, office, other_office, team, supervisor, caseworker, manager):
    sup2 = make_user(Role.SUPERVISOR, office, username="sup2")
    team_b = make_team(office, supervisor=sup2, name="Family support")
    cw2 = make_user(Role.CASEWORKER, office, team_b, username="cw2", first_name="Kofi")
    team_c = make_team(other_office, name="Pomoc")
    cw3 = make_user(Role.CASEWORKER, other_office, team_c, username="cw3")
    sup3 = make_user(Role.SUPERVISOR, other_office, team_c, username="sup3")
    national = make_user(Role.MANAGER, office, username="national", is_national=True)

    c2 = open_case(time_machine, at(4, 1), office=office, actor=caseworker, family="Two")
    allocate(c2, supervisor, caseworker)
    time_machine.move_to(at(4, 3), tick=False)
    complete_intake(c2, caseworker)
    time_machine.move_to(at(4, 5), tick=False)
    submit_assessment(c2, caseworker, risk="medium")
    time_machine.move_to(at(4, 8), tick=False)
    approve(c2, "approve_assessment", supervisor)

    c4 = open_case(
        time_machine, at(3, 1), office=office, actor=caseworker, team=team_b, family="Four"
    )

    c3 = open_case(
        time_machine, at(12, 1, year=2025), office=other_office, actor=cw3, family="Three"
    )
    allocate(c3, sup3, cw3)
    time_machine.move_to(at(12, 2, year=2025), tick=False)
    complete_intake(c3, cw3)

    c1 = open_case(time_machine, at(6, 10), office=office, actor=caseworker, family="One")
    allocate(c1, supervisor, caseworker)
    time_machine.move_to(at(6, 11), tick=False)
    complete_intake(c1, caseworker)
    time_machine.move_to(at(6, 12, 12), tick=False)
    submit_assessment(c1, caseworker, risk="medium")

    c5 = open_case(time_machine, at(6, 13), office=office, actor=cw2, team=team_b, family="Five")
    allocate(c5, sup2, cw2)
    complete_intake(c5, cw2)
    time_machine.move_to(at(6, 14, 12), tick=False)
    submit_assessment(c5, cw2, risk="medium")

    # Escalations: review tasks started by the SLA handler at the manager step.
    time_machine.move_to(at(6, 10, 12), tick=False)
    CaseFlow.start_overdue_review.run(case=c3, actor=None)
    time_machine.move_to(at(6, 13, 12), tick=False)
    CaseFlow.start_overdue_review.run(case=c1, actor=None)

    # Deadlines (built directly: no policies are seeded, so no clock opened by itself).
    assess = make_policy(key="assess-time", name="Assessment")
    first = make_policy(key="first-response", name="First response", node_name="allocate")
    may, june = at(5, 20), at(6, 5)
    make_clock(c1, assess, status="met", stopped_at=may)
    make_clock(c2, assess, status="met", stopped_at=may)
    make_clock(c4, assess, status="met", stopped_at=may, breached=True)
    make_clock(c2, assess, status="met", stopped_at=june)
    make_clock(c4, first, status="met", stopped_at=june, breached=True)
    make_clock(c3, assess, status="met", stopped_at=june)
    # not counted: cancelled, stopped before the range, still running
    make_clock(c1, assess, status="cancelled", stopped_at=june)
    make_clock(c2, assess, status="met", stopped_at=at(11, 20, year=2025))
    make_clock(c5, assess, status="running")
    # Overdue tasks: c2's plan task (cw) and c4's allocate task (unclaimed) have breached.
    make_clock(c2, assess, status="running", breached=True, task=open_task(c2, "plan"))
    make_clock(c4, first, status="running", breached=True, task=open_task(c4, "allocate"))
    # c1's approval task has a running clock that has not breached: not overdue.
    make_clock(c1, assess, status="running", task=open_task(c1, "approve_assessment"))
    for case in (c1, c2, c4):
        case.refresh_from_db()
        task_hooks.refresh_overdue(case)

    CaseloadThreshold.objects.create(office=office, max_open_cases=1)
    CaseloadThreshold.objects.create(office=None, max_open_cases=30)
    time_machine.move_to(NOW, tick=False)
    for case in (c1, c2, c3, c4, c5):
        case.refresh_from_db()
    return World(
        office=office,
        other_office=other_office,
        team_a=team,
        team_b=team_b,
        sup=supervisor,
        sup2=sup2,
        cw=caseworker,
        cw2=cw2,
        cw3=cw3,
        manager=manager,
        national=national,
        c1=c1,
        c2=c2,
        c3=c3,
        c4=c4,
        c5=c5,
        policy_assess=assess,
        policy_first=first,
    )


def extra_cases(time_machine, world, n):
    """More of the same kind of data, for query-count tests."""
    for i in range(n):
        case = open_case(
            time_machine, at(5, 1 + i), office=world.office, actor=world.cw, family=f"X{i}"
        )
        allocate(case, world.sup, world.cw)
        make_clock(case, world.policy_assess, status="met", stopped_at=at(5, 2 + i))
        make_clock(
            case,
            world.policy_first,
            status="running",
            breached=True,
            task=open_task(case, "intake"),
        )
        task_hooks.refresh_overdue(case)
        CaseFlow.start_overdue_review.run(case=case, actor=None)
    time_machine.move_to(NOW, tick=False)
