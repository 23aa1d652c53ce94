"""The bulk import's rows are the engine's own: an imported case is worked on through the
normal services (the caseworker's assessment, the supervisor's allocation and approvals);
relatives living with the client join the client's household; a batch that fails is redone
row by row through the walk."""

from unittest import mock

import pytest
from django.db import DatabaseError

from case_flows.cases.selectors import case_open_tasks
from case_flows.imports import services as import_services
from case_flows.imports.mapping import mapping_for
from case_flows.imports.parsing import records_read
from case_flows.imports.services import caseload_import
from case_flows.models import Case, CaseEvent, HouseholdMember, Person, PersonRelation, Stage
from case_flows.work import services as work_services
from case_flows.work.selectors import inbox_tasks
from workflows.approvals.services import approval_decide
from workflows.sla.models import SlaClock
from workflows.sla.seed import seed_sla_policies

from ...conftest import make_caseworker, make_child_welfare, make_manager, make_supervisor
from ...factories import make_office

HEADER = "case_id,person_id,given_name,family_name,sex,date_of_birth,category,risk,stage,"
HEADER += "opened_at,caseworker,relative_name,relative_relationship,relative_lives_with\n"
ROWS = [
    "B-1,P-1,Ama,Owusu,f,2012-03-14,child_protection,high,assessment,2024-02-01,cw,"
    "Grace Owusu,parent,yes",
    "B-2,P-2,Kofi,Mensah,m,2010-01-01,child_protection,medium,intake,2024-02-01,,"
    "Yaw Mensah,parent,no",
    "B-3,P-3,Efua,Darko,f,2011-05-30,poverty,low,closing,2024-01-10,cw,,,",
    "B-4,P-1,Ama,Owusu,f,2012-03-14,poverty,low,follow_up,2023-05-01,cw,Kwame Owusu,sibling,",
    "B-1,P-1,Ama,Owusu,f,2012-03-14,child_protection,high,assessment,2024-02-01,cw,,,",
]


def _import(office, actor, rows):
    return caseload_import(
        records=records_read((HEADER + "\n".join(rows) + "\n").encode(), "csv"),
        office=office,
        actor=actor,
        mapping=mapping_for("csv"),
    )


@pytest.fixture(scope="module")
def world(module_db, django_db_blocker):
    with django_db_blocker.unblock():
        seed_sla_policies()
        office = make_office("BEK", name="Bekwai")
        supervisor = make_supervisor(office)
        team = make_child_welfare(office, supervisor)
        caseworker = make_caseworker(office, team)
        manager = make_manager(office)
        report = _import(office, manager, ROWS)
        return {
            "office": office,
            "sup": supervisor,
            "cw": caseworker,
            "mgr": manager,
            "report": report,
        }


def _case(ref):
    return Case.objects.get(external_ref=ref)


def test_outcomes_per_row(db, world):
    outcomes = [(r.row, r.outcome) for r in world["report"].results]
    # the client named twice is matched; the reference repeated in the file is skipped
    assert outcomes == [
        (2, "created"),
        (3, "created"),
        (4, "created"),
        (5, "matched"),
        (6, "skipped"),
    ]
    assert _case("B-4").person_id == _case("B-1").person_id
    assert Person.objects.filter(given_name="Ama").count() == 1
    opened = CaseEvent.objects.filter(case=_case("B-1"), kind__in=["opened", "imported"])
    assert sorted(opened.values_list("kind", flat=True)) == ["imported", "opened"]
    assert _case("B-4").opened_at.date().isoformat() == "2023-05-01"


def test_the_caseworker_works_an_imported_assessment_on(db, world):
    cw, sup, case = world["cw"], world["sup"], _case("B-1")
    task = next(t for t in inbox_tasks(cw) if t.process.caseprocess.case_id == case.pk)
    assert task.flow_task.name == "assess" and task.owner_id == cw.pk
    assert SlaClock.objects.get(task=task, kind="task").status == "running"
    work_services.assessment_submit(
        task=task, actor=cw, needs={}, strengths="Supportive aunt", risk_decided="high"
    )
    approve = next(t for t in case_open_tasks(case) if t.flow_task.name == "approve_assessment")
    approval_decide(approval=approve.approval, actor=sup, approve=True, comment="")
    case.refresh_from_db()
    assert case.stage == Stage.PLANNING
    assert {t.flow_task.name for t in case_open_tasks(case)} == {"plan"}


def test_the_supervisor_allocates_an_imported_unallocated_case(db, world):
    cw, sup, case = world["cw"], world["sup"], _case("B-2")
    assert case.owner_id is None
    task = next(
        t for t in inbox_tasks(sup, tab="queue") if t.process.caseprocess.case_id == case.pk
    )
    assert task.flow_task.name == "allocate" and task.owner_id is None
    assert SlaClock.objects.filter(task=task, kind="unclaimed", status="running").exists()
    work_services.case_allocate(task=task, actor=sup, caseworker=cw)
    case.refresh_from_db()
    assert case.owner_id == cw.pk
    assert [
        t.flow_task.name for t in inbox_tasks(cw) if t.process.caseprocess.case_id == case.pk
    ] == ["intake"]


def test_the_supervisor_approves_an_imported_closure(db, world):
    case = _case("B-3")
    assert case.stage == Stage.CLOSING
    task = next(t for t in case_open_tasks(case) if t.flow_task.name == "approve_closure")
    approval_decide(approval=task.approval, actor=world["sup"], approve=True, comment="")
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and case.closed_at is not None
    assert list(case_open_tasks(case)) == []


def test_relatives_living_with_the_client_join_the_household(db, world):
    ama = _case("B-1").person
    members = HouseholdMember.objects.filter(household__members__person=ama, to_date__isnull=True)
    assert sorted((m.person.given_name, m.relationship_to_head) for m in members) == [
        ("Ama", "head"),
        ("Grace", "parent"),
        ("Kwame", "sibling"),  # the second row's relative: the same household
    ]
    kofi = _case("B-2").person
    relation = PersonRelation.objects.get(person=kofi)
    assert relation.relative.given_name == "Yaw" and not relation.same_household
    assert not HouseholdMember.objects.filter(person__in=[kofi, relation.relative]).exists()


def test_a_failed_batch_is_redone_row_by_row(db, world):
    rows = [
        "F-1,,Abena,Ofori,f,2013-02-28,poverty,low,assessment,2024-02-01,cw,,,",
        "F-2,,Kwesi,Amoah,m,2012-12-01,poverty,low,intake,,,,,",
    ]
    with mock.patch.object(
        import_services.bulk, "batch_write", side_effect=DatabaseError("boom")
    ) as write:
        report = _import(world["office"], world["mgr"], rows)
    assert write.called
    assert report.counts["created"] == 2, report.results
    assert _case("F-1").stage == Stage.ASSESSMENT and _case("F-2").stage == Stage.INTAKE
