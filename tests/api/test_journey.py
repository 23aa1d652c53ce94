"""One case from registration to closure (and reopened) through the API alone: the
caseworker registers, the supervisor allocates from the queue, the caseworker does intake,
assessment, the plan, referrals, a follow-up and the closure, the supervisor approves each
gate; the stage moves as on the pages."""

import datetime

import pytest
from django.utils import timezone

from case_flows.models import Case, CaseEvent, Stage
from tests.api.conftest import client_for
from tests.factories import category

pytestmark = pytest.mark.django_db


def _ok(response, status=200):
    assert response.status_code == status, response.json()
    return response.json()


def _task(client, case_id: int, node: str) -> int:
    """The open task of `node` on the case, as the case page lists it."""
    case = _ok(client.get(f"/api/v1/cases/{case_id}/"))
    [task] = [t for t in case["open_tasks"] if t["node"] == node]
    return task["id"]


def _approve(sup, case_id: int, node: str):
    task_id = _task(sup, case_id, node)
    task = _ok(sup.get(f"/api/v1/tasks/{task_id}/"))
    approval = _ok(sup.get(f"/api/v1/approvals/{task['approval']}/"))
    assert approval["can_decide"]
    return _ok(
        sup.post(f"/api/v1/approvals/{approval['id']}/decide/", {"decision": "approve"}, "json")
    )


def test_a_case_from_registration_to_closure(caseworker, supervisor, office):
    cw = client_for(caseworker)
    sup = client_for(supervisor)

    # Registering: the registry knows nobody like this, so the person and the case are made.
    registered = _ok(
        cw.post(
            "/api/v1/people/",
            {
                "given_name": "Kwabena",
                "family_name": "Owusu",
                "sex": "male",
                "date_of_birth": "2015-04-02",
                "phone": "+233 20 555 0101",
                "category": category().pk,
                "risk": "medium",
                "source": "walk_in",
                "presenting_concerns": "Child out of school",
            },
            "json",
        ),
        201,
    )
    case_id = registered["case"]["id"]
    assert registered["case"]["stage"] == "intake"

    # The supervisor allocates it from the queue: the task page's own form, as JSON.
    [allocation] = _ok(sup.get("/api/v1/tasks/queue/"))["results"]
    detail = _ok(sup.get(f"/api/v1/tasks/{allocation['id']}/"))
    fields = {f["name"]: f for f in detail["submit"]["fields"]}
    assert caseworker.pk in [c["value"] for c in fields["caseworker"]["choices"]]
    done = _ok(
        sup.post(
            f"/api/v1/tasks/{allocation['id']}/complete/", {"caseworker": caseworker.pk}, "json"
        )
    )
    assert done["case"]["stage"] == "intake"

    # Intake: now in the caseworker's inbox.
    [intake] = _ok(cw.get("/api/v1/tasks/"))["results"]
    assert intake["node"] == "intake"
    done = _ok(
        cw.post(
            f"/api/v1/tasks/{intake['id']}/complete/",
            {
                "source": "walk_in",
                "presenting_concerns": "Child out of school",
                "immediate_safety": "at_risk",
                "consent_to_share": "yes",
            },
            "json",
        )
    )
    assert done["case"]["stage"] == "assessment"
    assert done["next_task"] is not None  # the assessment, the caseworker's next

    # Assessment: each need domain the form asks, strengths, the risk decided.
    assess = _ok(cw.get(f"/api/v1/tasks/{done['next_task']}/"))
    needs = {
        f["name"]: "medium" for f in assess["submit"]["fields"] if f["name"].startswith("need_")
    }
    assert needs
    _ok(
        cw.post(
            f"/api/v1/tasks/{assess['id']}/complete/",
            {**needs, "strengths": "Supportive grandmother", "risk_decided": "high"},
            "json",
        )
    )
    _approve(sup, case_id, "approve_assessment")
    assert Case.objects.get(pk=case_id).stage == Stage.PLANNING

    # The plan: goals one per line, the actions as a list of rows (the page's formset).
    target = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    plan_task = _task(cw, case_id, "plan")
    _ok(
        cw.post(
            f"/api/v1/tasks/{plan_task}/complete/",
            {
                "summary": "Back to school",
                "goals": "Back in school\nSafe at home",
                "actions": [
                    {
                        "description": "Enrol at the district school",
                        "responsible": "Caseworker",
                        "target_date": target,
                    }
                ],
            },
            "json",
        )
    )
    _approve(sup, case_id, "approve_plan")
    records = _ok(cw.get(f"/api/v1/cases/{case_id}/records/"))
    assert records["plan"]["goals"] == ["Back in school", "Safe at home"]
    assert records["plan"]["actions"][0]["target_date"] == target
    assert records["assessment"]["risk_decided"] == "high"

    # Referrals: none needed; a follow-up that closes; the closure.
    referrals = _task(cw, case_id, "arrange_referrals")
    _ok(cw.post(f"/api/v1/tasks/{referrals}/complete/", {"none_needed": True}, "json"))
    follow_up = _task(cw, case_id, "follow_up")
    _ok(
        cw.post(
            f"/api/v1/tasks/{follow_up}/complete/",
            {
                "date": timezone.localdate().isoformat(),
                "mode": "visit",
                "notes": "Attending school",
                "next_step": "close",
            },
            "json",
        )
    )
    closure = _task(cw, case_id, "prepare_closure")
    _ok(
        cw.post(
            f"/api/v1/tasks/{closure}/complete/",
            {"reason": "goals_met", "summary": "Back in school"},
            "json",
        )
    )
    _approve(sup, case_id, "approve_closure")
    case = _ok(cw.get(f"/api/v1/cases/{case_id}/"))
    assert case["stage"] == "closed" and case["closed_at"]
    assert case["open_tasks"] == []

    # The timeline tells every move; the supervisor reopens the case.
    timeline = _ok(cw.get(f"/api/v1/cases/{case_id}/timeline/?page_size=200"))["results"]
    assert len(timeline) == CaseEvent.objects.filter(case_id=case_id).count()
    assert all(event["what"] for event in timeline)
    reopened = _ok(
        sup.post(f"/api/v1/cases/{case_id}/reopen/", {"comment": "New concerns"}, "json")
    )
    assert reopened["case"]["stage"] == "assessment"
