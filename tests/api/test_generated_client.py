"""The contract test: a client generated from the committed description (docs/api/openapi.yaml)
by openapi-python-client, a generator no one here wrote, drives one case from registration to
closure over HTTP, as the caseworker and the supervisor. Every answer is
parsed into the generated models: a field the description promises and the API does not send
(or sends in another type) fails here, and so does a status the description does not list
(`raise_on_unexpected_status`).

The HTTP goes through httpx's WSGI transport to Django's application in this process (the
whole stack, middleware included, without a socket): `live_server` would flush the database
after the test, and a transactional test run before this one would have flushed the
migrations' reference data (the assessment's need domains) that the journey needs.

The client is generated at test time into a temporary folder (nothing generated is
committed) from the installed generator: no network. The steps are tests/api/test_journey.py's,
through the generated functions instead of APIClient."""

from __future__ import annotations

import datetime
import importlib
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from django.utils import timezone

from case_flows.models import Case, Stage
from tests.api.conftest import token_for
from tests.factories import category

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DESCRIPTION = ROOT / "docs" / "api" / "openapi.yaml"
PACKAGE = "caseflow_generated_client"

# No post-hooks: the generator would otherwise run ruff on its output (not needed to import
# it, and this run should not depend on what is on PATH).
GENERATOR_CONFIG = f"""\
project_name_override: {PACKAGE}
package_name_override: {PACKAGE}
post_hooks: []
"""


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    """The generated package, imported: its `client`, `models` and `api` modules."""
    folder = tmp_path_factory.mktemp("generated-client")
    config = folder / "config.yaml"
    config.write_text(GENERATOR_CONFIG)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(DESCRIPTION),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(folder / PACKAGE),
            "--fail-on-warning",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    sys.path.insert(0, str(folder))
    try:

        def module(name: str):
            return importlib.import_module(f"{PACKAGE}.{name}")

        yield SimpleNamespace(
            client=module("client"),
            models=module("models"),
            approvals=SimpleNamespace(
                detail=module("api.approvals.approval_detail"),
                decide=module("api.approvals.approval_decide"),
            ),
            cases=SimpleNamespace(
                detail=module("api.cases.case_detail"),
                records=module("api.cases.case_records"),
                timeline=module("api.cases.case_timeline"),
            ),
            people=SimpleNamespace(register=module("api.people.person_register")),
            tasks=SimpleNamespace(
                mine=module("api.tasks.tasks_mine"),
                queue=module("api.tasks.tasks_queue"),
                detail=module("api.tasks.task_detail"),
                complete=module("api.tasks.task_complete"),
            ),
        )
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _parsed(response, status=HTTPStatus.OK):
    assert response.status_code == status, response.content[:500]
    return response.parsed


class Journey:
    """The generated functions with the two people's clients."""

    def __init__(self, gen, cw, sup):
        self.gen, self.cw, self.sup = gen, cw, sup

    def task(self, client, case_id: int, node: str) -> int:
        case = _parsed(self.gen.cases.detail.sync_detailed(case_id, client=client))
        [task] = [t for t in case.open_tasks if t.node == node]
        return task.id

    def complete(self, client, task_id: int, body: dict):
        request = self.gen.models.TaskCompleteRequest.from_dict(body)
        done = _parsed(self.gen.tasks.complete.sync_detailed(task_id, client=client, body=request))
        assert isinstance(done, self.gen.models.TaskDone)
        return done

    def approve(self, case_id: int, node: str) -> None:
        gen, sup = self.gen, self.sup
        task = _parsed(gen.tasks.detail.sync_detailed(self.task(sup, case_id, node), client=sup))
        approval = _parsed(gen.approvals.detail.sync_detailed(task.approval, client=sup))
        assert approval.can_decide and approval.record is not None
        decision = gen.models.ApprovalDecideRequest(decision=gen.models.DecisionEnum.APPROVE)
        done = _parsed(gen.approvals.decide.sync_detailed(approval.id, client=sup, body=decision))
        assert done.case.id == case_id


def test_a_generated_client_drives_a_case_from_registration_to_closure(
    generated, wsgi_app, caseworker, supervisor
):
    gen = generated
    models = gen.models

    def client_of(user):
        # The generated client builds its own httpx client (base URL, bearer header); only
        # its transport is Django's application.
        return gen.client.AuthenticatedClient(
            base_url="http://testserver",
            token=token_for(user).token,
            raise_on_unexpected_status=True,
            httpx_args={"transport": httpx.WSGITransport(app=wsgi_app)},
        )

    cw, sup = client_of(caseworker), client_of(supervisor)
    journey = Journey(gen, cw, sup)

    # Registering: a new person and their case, at intake.
    registration = models.PersonRegisterRequest(
        given_name="Kwabena",
        family_name="Owusu",
        sex=models.SexEnum.MALE,
        date_of_birth=datetime.date(2015, 4, 2),
        phone="+233 20 555 0101",
        category=category().pk,
        risk=models.RiskEnum.MEDIUM,
        source=models.SourceEnum.WALK_IN,
        presenting_concerns="Child out of school",
    )
    registered = _parsed(
        gen.people.register.sync_detailed(client=cw, body=registration), HTTPStatus.CREATED
    )
    assert isinstance(registered, models.Registered)
    case_id = registered.case.id
    assert registered.case.stage == "intake"

    # The supervisor allocates it from the queue, with the field the task's form names.
    [allocation] = _parsed(gen.tasks.queue.sync_detailed(client=sup)).results
    detail = _parsed(gen.tasks.detail.sync_detailed(allocation.id, client=sup))
    fields = {f.name: f for f in detail.submit.fields}
    assert caseworker.pk in [c.value for c in fields["caseworker"].choices]
    journey.complete(sup, allocation.id, {"caseworker": caseworker.pk})

    # Intake, from the caseworker's inbox.
    [intake] = _parsed(gen.tasks.mine.sync_detailed(client=cw)).results
    assert intake.node == "intake"
    done = journey.complete(
        cw,
        intake.id,
        {
            "source": "walk_in",
            "presenting_concerns": "Child out of school",
            "immediate_safety": "at_risk",
            "consent_to_share": "yes",
        },
    )
    assert done.case.stage == "assessment" and done.next_task is not None

    # Assessment: each need domain its form asks; the supervisor approves.
    assess = _parsed(gen.tasks.detail.sync_detailed(done.next_task, client=cw))
    needs = {f.name: "medium" for f in assess.submit.fields if f.name.startswith("need_")}
    assert needs
    journey.complete(
        cw, assess.id, {**needs, "strengths": "Supportive grandmother", "risk_decided": "high"}
    )
    journey.approve(case_id, "approve_assessment")

    # The plan, approved.
    target = timezone.localdate() + datetime.timedelta(days=60)
    journey.complete(
        cw,
        journey.task(cw, case_id, "plan"),
        {
            "summary": "Back to school",
            "goals": "Back in school\nSafe at home",
            "actions": [
                {
                    "description": "Enrol at the district school",
                    "responsible": "Caseworker",
                    "target_date": target.isoformat(),
                }
            ],
        },
    )
    journey.approve(case_id, "approve_plan")
    records = _parsed(gen.cases.records.sync_detailed(case_id, client=cw))
    assert records.plan.goals == ["Back in school", "Safe at home"]
    assert records.plan.actions[0].target_date == target

    # Referrals (none needed), a follow-up that closes, the closure approved.
    journey.complete(cw, journey.task(cw, case_id, "arrange_referrals"), {"none_needed": True})
    journey.complete(
        cw,
        journey.task(cw, case_id, "follow_up"),
        {
            "date": timezone.localdate().isoformat(),
            "mode": "visit",
            "notes": "Attending school",
            "next_step": "close",
        },
    )
    journey.complete(
        cw,
        journey.task(cw, case_id, "prepare_closure"),
        {"reason": "goals_met", "summary": "Back in school"},
    )
    journey.approve(case_id, "approve_closure")

    case = _parsed(gen.cases.detail.sync_detailed(case_id, client=cw))
    assert case.stage == "closed" and case.closed_at is not None and case.open_tasks == []
    assert Case.objects.get(pk=case_id).stage == Stage.CLOSED
    timeline = _parsed(gen.cases.timeline.sync_detailed(case_id, client=cw, page_size=200))
    assert timeline.results and all(event.what for event in timeline.results)
