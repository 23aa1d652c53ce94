"""The Primero v2 export, imported once for the module: stages, queues, clocks, relatives,
the timeline; then again (nothing new) and as a dry run (nothing at all)."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from viewflow.workflow.status import STATUS

from accounts.models import Role
from case_flows.imports.mapping import mapping_for
from case_flows.imports.parsing import records_read
from case_flows.imports.services import caseload_import
from case_flows.models import Case, CaseEvent, Person, PersonRelation, Stage
from case_flows.work.selectors import inbox_tasks
from workflows.sla.models import SlaClock
from workflows.sla.seed import seed_sla_policies

from ...conftest import make_caseworker, make_child_welfare, make_manager, make_supervisor
from ...factories import make_office, make_team, make_user

FIXTURE = Path(__file__).parents[2] / "fixtures" / "primero_cases.json"


def _import(office, actor, *, dry_run=False):
    return caseload_import(
        records=records_read(FIXTURE.read_bytes(), "primero-json"),
        office=office,
        actor=actor,
        mapping=mapping_for("primero-json"),
        dry_run=dry_run,
        first_row=1,
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
        report = _import(office, manager)
        return {
            "office": office,
            "cw": caseworker,
            "sup": supervisor,
            "mgr": manager,
            "report": report,
        }


def _case(office, name):
    return Case.objects.select_related("person").get(office=office, person__given_name=name)


def _open_nodes(case):
    from case_flows.cases.selectors import case_open_tasks

    return {t.flow_task.name for t in case_open_tasks(case)}


def test_every_case_is_created(db, world):
    report = world["report"]
    assert report.counts == {"created": 12, "matched": 0, "skipped": 0, "error": 0}, [
        (r.row, r.message) for r in report.results if r.outcome == "error"
    ]
    assert Case.objects.filter(office=world["office"], source_system="primero").count() == 12


def test_cases_enter_their_stages(db, world):
    office = world["office"]
    expected = {
        "Ama": Stage.INTAKE,
        "Kofi": Stage.INTAKE,
        "Akua": Stage.ASSESSMENT,
        "Yaw": Stage.PLANNING,
        "Efua": Stage.REFERRAL,
        "Kwabena": Stage.FOLLOW_UP,
        "Abena": Stage.CLOSED,
        "Kwesi": Stage.ASSESSMENT,
    }
    assert {name: _case(office, name).stage for name in expected} == expected
    # unowned in Primero: unallocated, its allocation task waiting for the supervisors
    assert _open_nodes(_case(office, "Ama")) == {"allocate"}
    assert _open_nodes(_case(office, "Kofi")) == {"intake"}
    assert _open_nodes(_case(office, "Abena")) == set()


def test_an_imported_assessment_is_in_the_caseworkers_inbox_with_a_clock(db, world):
    case = _case(world["office"], "Akua")
    task = next(t for t in inbox_tasks(world["cw"]) if t.process.caseprocess.case_id == case.pk)
    assert task.flow_task.name == "assess" and task.status in (STATUS.NEW, STATUS.ASSIGNED)
    assert task.owner_id == world["cw"].pk
    clock = SlaClock.objects.get(subject_id=case.pk, task=task, kind="task")
    assert clock.due_at is not None and clock.status == "running"


def test_closed_case_keeps_its_dates_and_the_timeline_says_imported(db, world):
    case = _case(world["office"], "Abena")
    assert case.closed_at is not None and case.closed_at.date().year == 2024
    assert case.opened_at.date().isoformat().startswith("2024-")
    event = CaseEvent.objects.get(case=case, kind="imported")
    assert (
        event.data["source_system"] == "primero" and event.data["external_ref"] == case.external_ref
    )
    assert event.actor_id == world["mgr"].pk


def test_relatives_are_linked_as_one_household(db, world):
    person = _case(world["office"], "Yaw").person
    relations = PersonRelation.objects.filter(person=person).select_related("relative")
    assert {
        (r.relationship, r.relative.given_name[:0] + r.relative.family_name) for r in relations
    } == {("parent", "Owusu")}
    assert len(relations) == 2 and all(r.same_household for r in relations)
    assert sum(r.is_primary_caregiver for r in relations) == 1


def test_running_the_same_file_again_creates_nothing(db, world):
    people, cases = Person.objects.count(), Case.objects.count()
    report = _import(world["office"], world["mgr"])
    assert report.counts["skipped"] == 12 and report.counts["created"] == 0
    assert {r.message for r in report.results} == {"Already imported."}
    assert (Person.objects.count(), Case.objects.count()) == (people, cases)


def test_dry_run_reports_and_creates_nothing(db, world):
    office = make_office("KOK", name="Kokofu")
    make_team(office, supervisor=make_user(Role.SUPERVISOR, office, username="kok-sup"))
    people, cases, events = Person.objects.count(), Case.objects.count(), CaseEvent.objects.count()
    report = _import(office, world["mgr"], dry_run=True)
    # no caseworker "cw" in this office: owned cases are errors, unowned ones would be created
    assert report.counts["created"] == 1 and report.counts["error"] == 11
    assert "not an active member" in report.results[1].message
    assert (Person.objects.count(), Case.objects.count(), CaseEvent.objects.count()) == (
        people,
        cases,
        events,
    )


def test_the_command_dry_run_and_report(db, world, tmp_path):
    out = io.StringIO()
    report_file = tmp_path / "report.csv"
    call_command(
        "import_caseload",
        str(FIXTURE),
        "--office",
        "BEK",
        "--dry-run",
        "--report",
        str(report_file),
        stdout=out,
    )
    assert "DRY RUN" in out.getvalue() and "skipped 12" in out.getvalue()
    lines = report_file.read_text().splitlines()
    assert lines[0].startswith("Row,Outcome") and len(lines) == 13
