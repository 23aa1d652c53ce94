"""A small world for retention and erasure, built once per test module (in `module_db`).

Now is NOW (2026-11-02). Office BEK (Ghana; child protection kept 10 years, erasure decided
on its merits) and office SOC (Poland; statutory records, 10 years, erasure refused within).

case      office person          stage   closed       notes
old       BEK    Kwame Mensah    closed  2015-03-10   past retention; relative Abena (parent)
recent    BEK    Esi Owusu       closed  2025-06-10   within retention
yaw_old   BEK    Yaw Boateng     closed  2015-03-12   past retention, but Yaw has...
yaw_open  BEK    Yaw Boateng     intake  —            ...an open case
polish    SOC    Anna Nowak      closed  2025-06-10   within a statutory retention
"""

import datetime
from dataclasses import dataclass

import pytest
import time_machine as tm

import case_flows.cases.services as case_services
from accounts.models import Role
from case_flows.models import Case, Category
from tests.conftest import make_bek, make_soc
from tests.factories import category, make_person, make_team, make_user
from tests.steps import allocate, close_case
from workflows.sla.seed import seed_sla_policies

UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
OLD = datetime.datetime(2015, 3, 10, 9, 0, tzinfo=UTC)
RECENT = datetime.datetime(2025, 6, 10, 9, 0, tzinfo=UTC)


@dataclass
class World:
    office: object
    pl_office: object
    sup: object
    sup2: object
    cw: object
    manager: object
    pl_sup: object
    pl_cw: object
    old: Case
    recent: Case
    yaw_old: Case
    yaw_open: Case
    polish: Case


def _open(office, cw, given, family, *, code="child_protection", **person):
    return case_services.case_open(
        actor=cw,
        person=make_person(office, given, family, **person),
        office=office,
        category=category(code),
        risk="medium",
        source="walk_in",
        presenting_concerns=f"{given} {family} is beaten by an uncle",
    )


def build_world(traveller) -> World:
    seed_sla_policies()
    office = make_bek()
    pl_office = make_soc()
    sup = make_user(Role.SUPERVISOR, office, username="sup")
    sup2 = make_user(Role.SUPERVISOR, office, username="sup2")
    team = make_team(office, supervisor=sup, name="Child welfare")
    team.members.add(sup2)
    cw = make_user(Role.CASEWORKER, office, team, username="cw", first_name="Akosua")
    manager = make_user(Role.MANAGER, office, username="mgr")
    pl_sup = make_user(Role.SUPERVISOR, pl_office, username="pl_sup")
    pl_team = make_team(pl_office, supervisor=pl_sup, name="Rodziny")
    pl_cw = make_user(Role.CASEWORKER, pl_office, pl_team, username="pl_cw")
    Category.objects.filter(code="domestic_violence").update(jurisdiction="PL")

    traveller.move_to(OLD)
    old = _open(
        office,
        cw,
        "Kwame",
        "Mensah",
        phone="+233 24 123 4567",
        national_id="GHA-123456789-0",
        address="House 12, Bekwai",
        date_of_birth=datetime.date(2010, 5, 20),
        disability=True,
        disability_notes="Hearing loss in one ear",
    )
    allocate(old, sup, cw)
    old.refresh_from_db()
    case_services.case_add_relative(
        case=old,
        actor=cw,
        given_name="Abena",
        family_name="Mensah",
        relationship="parent",
        phone="+233 20 555 0101",
    )
    yaw_old = _open(office, cw, "Yaw", "Boateng", phone="+233 24 999 0000")
    close_case(old, sup, cw, allocated=True, comment="Kwame's uncle moved away")
    close_case(yaw_old, sup, cw)

    traveller.move_to(RECENT)
    recent = _open(office, cw, "Esi", "Owusu")
    close_case(recent, sup, cw)
    polish = _open(pl_office, pl_cw, "Anna", "Nowak", code="domestic_violence")
    close_case(polish, pl_sup, pl_cw)

    traveller.move_to(NOW)
    yaw_open = case_services.case_open(
        actor=cw,
        person=yaw_old.person,
        office=office,
        category=category(),
        risk="low",
        source="walk_in",
        presenting_concerns="Yaw is back",
    )
    return World(
        office, pl_office, sup, sup2, cw, manager, pl_sup, pl_cw, old, recent, yaw_old, yaw_open,
        polish,
    )  # fmt: skip


@pytest.fixture(scope="module")
def module_world(module_db, django_db_blocker):
    with django_db_blocker.unblock(), tm.travel(NOW, tick=False) as traveller:
        return build_world(traveller)


@pytest.fixture
def world(module_world, module_copy, time_machine):
    time_machine.move_to(NOW, tick=False)
    return module_copy(module_world)
