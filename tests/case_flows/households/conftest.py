"""A Polish office with an allocated case, and a Ghanaian one, built once per module."""

import datetime
from types import SimpleNamespace

import pytest

import case_flows.cases.services as case_services
from accounts.models import Role
from case_flows.models import Relationship

from ...conftest import make_caseworker, make_child_welfare, make_supervisor
from ...factories import category, make_office, make_person, make_team, make_user
from ...steps import allocate

SINCE = datetime.date(2024, 1, 1)


def open_case(office, caseworker, supervisor, given, family):
    person = make_person(office, given, family, address="ul. Lipowa 3")
    case = case_services.case_open(
        actor=caseworker,
        person=person,
        office=office,
        category=category(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Rent arrears",
    )
    allocate(case, supervisor, caseworker)
    case.refresh_from_db()
    return case


@pytest.fixture(scope="module")
def world(module_db, django_db_blocker):
    with django_db_blocker.unblock():
        soc = make_office("SOC", name="Sochaczew", jurisdiction="PL", timezone="Europe/Warsaw")
        sup = make_supervisor(soc)
        team = make_child_welfare(soc, sup)
        cw = make_caseworker(soc, team)
        outsider = make_user(Role.CASEWORKER, soc, make_team(soc, name="Elderly"), username="cw2")
        case = open_case(soc, cw, sup, "Anna", "Nowak")
        spouse = case_services.case_add_relative(
            case=case,
            actor=cw,
            given_name="Jan",
            family_name="Nowak",
            relationship=Relationship.SPOUSE,
        ).relative
        bek = make_office("BEK", name="Bekwai")
        gh_sup = make_user(Role.SUPERVISOR, bek, username="ghsup")
        gh_team = make_child_welfare(bek, gh_sup)
        gh_cw = make_user(Role.CASEWORKER, bek, gh_team, username="ghcw")
        gh_case = open_case(bek, gh_cw, gh_sup, "Ama", "Owusu")
        return SimpleNamespace(
            office=soc,
            supervisor=sup,
            caseworker=cw,
            outsider=outsider,
            case=case,
            spouse=spouse,
            gh_case=gh_case,
            gh_caseworker=gh_cw,
        )


@pytest.fixture
def w(world, module_copy, db):
    return module_copy(world)
