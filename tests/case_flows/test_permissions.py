"""Permission matrix: role x action x own/other office, enforced in the services."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission

import case_flows.cases.services as case_services
import case_flows.work.services as work_services
from accounts.models import Role
from case_flows.flows import CaseFlow
from case_flows.models import Stage
from case_flows.permissions import CasePerm
from tests.factories import category, make_person, make_team, make_user
from tests.steps import allocate, complete_intake, open_task, submit_assessment
from workflows.approvals.services import approval_decide
from workflows.errors import NotPermitted
from workflows.queue import task_claim, task_reassign


@pytest.fixture
def people(office, other_office, team, supervisor, caseworker, manager):
    other_team = make_team(other_office, name="Zespół")
    return {
        ("caseworker", "own"): caseworker,
        ("supervisor", "own"): supervisor,
        ("manager", "own"): manager,
        ("caseworker", "other"): make_user(Role.CASEWORKER, other_office, other_team),
        ("supervisor", "other"): make_user(Role.SUPERVISOR, other_office, other_team),
        ("manager", "other"): make_user(Role.MANAGER, other_office),
    }


def _allocate(case, actor, caseworker):
    return work_services.case_allocate(
        task=open_task(case, "allocate"), actor=actor, caseworker=caseworker
    )


ALLOWED_TO_ALLOCATE = {("supervisor", "own")}


@pytest.mark.parametrize(
    "who", [(r, o) for r in ("caseworker", "supervisor", "manager") for o in ("own", "other")]
)
def test_allocate(who, people, new_case, caseworker):
    actor = people[who]
    if who in ALLOWED_TO_ALLOCATE:
        _allocate(new_case, actor, caseworker)
        new_case.refresh_from_db()
        assert new_case.owner == caseworker
    else:
        with pytest.raises(NotPermitted):
            _allocate(new_case, actor, caseworker)
        new_case.refresh_from_db()
        assert new_case.owner is None


ALLOWED_TO_APPROVE = {("supervisor", "own"), ("manager", "own")}


@pytest.mark.parametrize(
    "who", [(r, o) for r in ("caseworker", "supervisor", "manager") for o in ("own", "other")]
)
def test_approve_assessment(who, people, new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    approval = open_task(new_case, "approve_assessment").approval
    actor = people[who]
    if who in ALLOWED_TO_APPROVE:
        approval_decide(approval=approval, actor=actor, approve=True, comment="")
        new_case.refresh_from_db()
        assert new_case.stage == Stage.PLANNING
    else:
        with pytest.raises(NotPermitted):
            approval_decide(approval=approval, actor=actor, approve=True, comment="")
        new_case.refresh_from_db()
        assert new_case.stage == Stage.ASSESSMENT


@pytest.mark.parametrize(
    "who", [(r, o) for r in ("caseworker", "supervisor", "manager") for o in ("own", "other")]
)
def test_complete_someone_elses_task(who, people, new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    with pytest.raises(NotPermitted):
        work_services.intake_complete(
            task=open_task(new_case, "intake"),
            actor=people[who] if people[who] != caseworker else people[("caseworker", "other")],
            source="walk_in",
            presenting_concerns="x",
            immediate_safety="safe",
            consent_to_share=True,
        )
    new_case.refresh_from_db()
    assert new_case.stage == Stage.INTAKE


def test_caseworker_cannot_claim_supervisor_work(people, new_case):
    with pytest.raises(NotPermitted):
        task_claim(task=open_task(new_case, "allocate"), actor=people[("caseworker", "own")])


def test_reassign_needs_a_supervisor_of_the_case(
    people, new_case, office, team, supervisor, caseworker
):
    allocate(new_case, supervisor, caseworker)
    other_worker = make_user(Role.CASEWORKER, office, team, username="cw-b")
    task = open_task(new_case, "intake")
    with pytest.raises(NotPermitted):
        task_reassign(task=task, actor=people[("supervisor", "other")], to_user=other_worker)
    with pytest.raises(NotPermitted):
        task_reassign(task=task, actor=caseworker, to_user=other_worker)
    # The target must be able to do the work: a caseworker of another office cannot.
    with pytest.raises(NotPermitted):
        task_reassign(task=task, actor=supervisor, to_user=people[("caseworker", "other")])
    task_reassign(task=task, actor=supervisor, to_user=other_worker)
    task.refresh_from_db()
    assert task.owner == other_worker


def test_open_case_only_in_own_office(people, office, other_office):
    polish = people[("caseworker", "other")]
    with pytest.raises(NotPermitted):
        case_services.case_open(
            actor=polish,
            person=make_person(office),
            office=office,
            category=category(),
            risk="low",
            source="walk_in",
            presenting_concerns="x",
        )


def test_reopen_needs_permission(people, new_case):
    with pytest.raises(NotPermitted):
        case_services.case_reopen(case=new_case, actor=people[("caseworker", "own")], comment="x")


# --- one spelling per permission (case_flows.permissions) -----------------------------------

CASE_FLOWS_DIR = Path(__file__).resolve().parents[2] / "case_flows"
PERMISSION_LITERAL = re.compile(r"""["']case_flows\.(\w+)["']""")


@pytest.mark.django_db
def test_every_case_perm_exists_after_migrate():
    codenames = set(
        Permission.objects.filter(content_type__app_label="case_flows").values_list(
            "codename", flat=True
        )
    )
    assert {perm.codename for perm in CasePerm} - codenames == set()


@pytest.mark.django_db
def test_no_permission_literal_outside_the_enum():
    """Every "case_flows.<codename>" string in the app's code comes from CasePerm."""
    codenames = set(
        Permission.objects.filter(content_type__app_label="case_flows").values_list(
            "codename", flat=True
        )
    )
    literals = []
    for path in sorted(CASE_FLOWS_DIR.rglob("*.py")):
        relative = path.relative_to(CASE_FLOWS_DIR)
        if relative.parts[0] == "migrations" or relative == Path("permissions.py"):
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for match in PERMISSION_LITERAL.finditer(line):
                if match.group(1) in codenames:
                    literals.append(f"{relative}:{number}: {match.group(0)}")
    assert literals == []


def test_roles_and_flow_nodes_name_permissions_from_the_enum():
    declared = apps.get_app_config("case_flows").role_permissions
    assert all(isinstance(perm, CasePerm) for perms in declared.values() for perm in perms)
    node_perms = [
        node._owner_permission
        for node in CaseFlow.instance.nodes()
        if getattr(node, "_owner_permission", None)
    ]
    assert node_perms and all(isinstance(perm, CasePerm) for perm in node_perms)
