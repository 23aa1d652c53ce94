"""A Polish office (KPA), its people and a case; attachments in a folder of the test's own."""

import datetime

import pytest

import case_flows.cases.services as case_services
from accounts.models import Role
from case_flows.decisions import services
from case_flows.models import DecisionKind
from config.settings.base import attachments_storage
from tests.factories import category, make_office, make_person, make_team, make_user
from tests.steps import approve, open_task
from workflows.sla.seed import seed_sla_policies

# A Thursday morning in Warsaw: the whole lifecycle happens in March 2026.
START = datetime.datetime(2026, 3, 5, 9, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": attachments_storage("", tmp_path / "private"),
    }


@pytest.fixture
def mops(db):
    seed_sla_policies()
    return make_office(
        "MOPS",
        name="Miejski Ośrodek Pomocy Społecznej",
        jurisdiction="PL",
        timezone="Europe/Warsaw",
    )


@pytest.fixture
def kierownik(mops):
    return make_user(Role.SUPERVISOR, mops, username="kier", first_name="Anna", last_name="Nowak")


@pytest.fixture
def pracownik(mops, kierownik):
    team = make_team(mops, supervisor=kierownik, name="Zespół 1")
    return make_user(
        Role.CASEWORKER, mops, team, username="prac", first_name="Ewa", last_name="Kowalska"
    )


@pytest.fixture
def case(mops, pracownik, kierownik, time_machine):
    time_machine.move_to(START, tick=False)
    person = make_person(mops, "Jan", "Wiśniewski", address="ul. Polna 3, Sochaczew")
    case = case_services.case_open(
        actor=pracownik,
        person=person,
        office=mops,
        category=category(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Needs help at home after a stroke",
    )
    from tests.steps import allocate

    allocate(case, kierownik, pracownik)
    case.refresh_from_db()
    return case


def care_kind():
    return DecisionKind.objects.get(jurisdiction="PL", code="care-grant")


CONTENT = {
    "ruling": "Przyznaję usługi opiekuńcze w miejscu zamieszkania.",
    "service": "Usługi opiekuńcze",
    "hours": 10,
    "hours_per": "week",
    "client_fee": 12,
    "client_fee_per": "hour",
    "currency": "PLN",
    "period_from": datetime.date(2026, 4, 1),
    "period_to": datetime.date(2026, 9, 30),
    "reasoning": "Strona po udarze wymaga pomocy w codziennych czynnościach.",
    "preparer_position": "pracownik socjalny",
    "signer_position": "Kierownik MOPS",
}


def approved_decision(case, pracownik, kierownik, **content):
    decision = services.decision_start(case=case, actor=pracownik, kind=care_kind())
    services.decision_submit(
        task=open_task(case, "prepare_decision"), actor=pracownik, **{**CONTENT, **content}
    )
    approve(case, "approve_decision", kierownik)
    decision.refresh_from_db()
    return decision
