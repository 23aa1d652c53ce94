"""The API tests' world, built once per module through the services (as the app builds it):
an office with two teams, a manager, a restricted case of the other team, and a second office
with a case of its own."""

from dataclasses import dataclass, field

import case_flows.cases.access as access_services
import case_flows.cases.services as case_services
from accounts.models import Office, Role, Team, User
from case_flows.models import Case
from tests.factories import category, make_office, make_person, make_team, make_user
from tests.steps import allocate


@dataclass
class World:
    office: Office
    other_office: Office
    team: Team
    sup: User  # supervises `team`
    cw: User  # caseworker of `team`
    cw_mate: User  # another caseworker of `team`
    sup_b: User  # supervises team B
    cw_b: User  # caseworker of team B
    mgr: User  # manager of `office`
    sup_other: User  # supervisor in the other office
    cw_other: User
    cases: dict[str, Case] = field(default_factory=dict)


def open_case(office, actor, given, family, *, risk="medium", **person) -> Case:
    return case_services.case_open(
        actor=actor,
        person=make_person(office, given, family, **person),
        office=office,
        category=category(),
        risk=risk,
        source="walk_in",
        presenting_concerns="Child out of school",
    )


def build_world() -> World:
    office = make_office("BEK", name="Bekwai")
    other = make_office("SOC", name="Sochaczew", jurisdiction="PL", timezone="Europe/Warsaw")
    sup = make_user(Role.SUPERVISOR, office, username="sup", first_name="Abena")
    team = make_team(office, supervisor=sup, name="Child welfare")
    cw = make_user(Role.CASEWORKER, office, team, username="cw", first_name="Akosua")
    cw_mate = make_user(Role.CASEWORKER, office, team, username="mate", first_name="Yaw")
    sup_b = make_user(Role.SUPERVISOR, office, username="sup_b", first_name="Kofi")
    team_b = make_team(office, supervisor=sup_b, name="Elderly")
    cw_b = make_user(Role.CASEWORKER, office, team_b, username="cw_b", first_name="Esi")
    mgr = make_user(Role.MANAGER, office, username="mgr", first_name="Kwesi")
    sup_other = make_user(Role.SUPERVISOR, other, username="sup_o", first_name="Anna")
    team_other = make_team(other, supervisor=sup_other, name="Zespół")
    cw_other = make_user(Role.CASEWORKER, other, team_other, username="cw_o", first_name="Ewa")
    world = World(office, other, team, sup, cw, cw_mate, sup_b, cw_b, mgr, sup_other, cw_other)

    mine = open_case(office, cw, "Kwame", "Mensah", phone="+233 24 123 4567", risk="high")
    allocate(mine, sup, cw)
    world.cases["mine"] = mine
    world.cases["unallocated"] = open_case(office, cw, "Adwoa", "Boateng")
    restricted = allocate(open_case(office, cw_b, "Zofia", "Zastrzezona"), sup_b, cw_b)
    access_services.case_restrict(case=restricted, actor=cw_b, reason="Domestic violence")
    world.cases["restricted"] = restricted
    foreign = open_case(other, cw_other, "Jan", "Kowalski")
    allocate(foreign, sup_other, cw_other)
    world.cases["foreign"] = foreign
    for case in world.cases.values():
        case.refresh_from_db()
    return world
