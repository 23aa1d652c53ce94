"""Tasks through the API: the inbox and the queue (filters, the inbox's order across cursor
pages, constant query counts, restricted cases left out), a task with the fields its form
takes, claim, release, reassign and complete (the page's forms: 400; done or taken: 409),
and If-Match on the decision draft."""

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import Role
from case_flows.decisions import services as decision_services
from case_flows.decisions.selectors import kinds_for_office
from case_flows.models import AccessAction, AccessEvent, Case, Intake
from case_flows.work.selectors import inbox_tasks, queue_process_ids
from tests.api.conftest import client_for, queries_for, walk
from tests.api.world import open_case
from tests.factories import make_user
from tests.steps import allocate, approve, complete_intake, open_task, submit_assessment
from workflows.queue import task_claim, task_release

pytestmark = pytest.mark.django_db

INTAKE = {
    "source": "walk_in",
    "presenting_concerns": "Child out of school",
    "immediate_safety": "at_risk",
    "consent_to_share": "yes",
}


def ids(rows) -> list[int]:
    return [row["id"] for row in rows]


def test_my_tasks_and_the_queue(world):
    mine = client_for(world.cw).get("/api/v1/tasks/").json()["results"]
    [intake] = mine
    assert intake["node"] == "intake" and intake["case"]["id"] == world.cases["mine"].pk
    assert intake["owner"]["id"] == world.cw.pk and intake["title"] == "Complete intake"
    queue = client_for(world.sup).get("/api/v1/tasks/queue/").json()["results"]
    assert [(t["node"], t["case"]["id"]) for t in queue] == [
        ("allocate", world.cases["unallocated"].pk)
    ]
    assert client_for(world.sup_other).get("/api/v1/tasks/queue/").json()["results"] == []
    counts = client_for(world.sup).get("/api/v1/tasks/counts/").json()
    assert counts == {"mine": 0, "queue": 1, "queue_more": False}


def test_the_inbox_filters_and_records_a_filtered_list_as_a_search(world):
    client = client_for(world.cw)
    assert ids(client.get("/api/v1/tasks/?risk=high").json()["results"])
    assert client.get("/api/v1/tasks/?risk=low").json()["results"] == []
    assert client.get("/api/v1/tasks/?task=assess").json()["results"] == []
    assert len(client.get("/api/v1/tasks/?q=mensah").json()["results"]) == 1
    assert AccessEvent.objects.filter(
        user=world.cw, action=AccessAction.SEARCH, target="inbox (mine)"
    ).exists()
    response = client.get("/api/v1/tasks/?risk=bogus")
    assert response.status_code == 400 and "risk" in response.json()["errors"]


@pytest.mark.parametrize("sort", ["due", "-risk", "client", "-case"])
def test_the_queue_pages_by_cursor_in_the_inbox_order(world, sort):
    for n, risk in enumerate(["low", "high", "medium", "high", "low"]):
        open_case(world.office, world.cw, "Ama", f"Queue{n}", risk=risk)
    client = client_for(world.sup)
    rows = walk(client, f"/api/v1/tasks/queue/?sort={sort}&page_size=2")
    expected = inbox_tasks(
        world.sup, tab="queue", sort=sort, process_ids=queue_process_ids(world.sup)
    )
    assert ids(rows) == [task.pk for task in expected] and len(rows) == 6


def test_the_inbox_and_the_queue_cost_the_same_queries_for_more_tasks(world):
    cw, sup = client_for(world.cw), client_for(world.sup)
    few_mine = queries_for(cw, "/api/v1/tasks/")
    few_queue = queries_for(sup, "/api/v1/tasks/queue/")
    for n in range(5):
        allocate(open_case(world.office, world.cw, "Kojo", f"More{n}"), world.sup, world.cw)
        open_case(world.office, world.cw, "Efua", f"Queue{n}")
    assert len(cw.get("/api/v1/tasks/").json()["results"]) == 6
    assert queries_for(cw, "/api/v1/tasks/") == few_mine
    assert queries_for(sup, "/api/v1/tasks/queue/") == few_queue


def test_a_restricted_cases_task_is_only_in_its_access_lists_queue(world):
    restricted = world.cases["restricted"]
    task = open_task(restricted, "intake")
    task_release(task=task, actor=world.cw_b)  # back to team B's queue
    ordinary = allocate(
        open_case(world.office, world.cw_b, "Kofi", "Ordinary"), world.sup_b, world.cw_b
    )
    task_release(task=open_task(ordinary, "intake"), actor=world.cw_b)
    mate_b = make_user(Role.CASEWORKER, world.office, world.cw_b.teams.get(), username="mate_b")
    queue = client_for(mate_b).get("/api/v1/tasks/queue/").json()["results"]
    assert [t["case"]["id"] for t in queue] == [ordinary.pk]  # not on the restricted list
    queue = client_for(world.sup_b).get("/api/v1/tasks/queue/").json()["results"]
    assert {ordinary.pk, restricted.pk} <= {t["case"]["id"] for t in queue}  # on the list
    response = client_for(mate_b).get(f"/api/v1/tasks/{task.pk}/")
    assert response.status_code == 404
    assert client_for(mate_b).post(f"/api/v1/tasks/{task.pk}/claim/").status_code == 404


def test_a_task_shows_what_its_form_takes(world):
    task = open_task(world.cases["mine"], "intake")
    response = client_for(world.cw).get(f"/api/v1/tasks/{task.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "mine" and body["approval"] is None
    fields = {f["name"]: f for f in body["submit"]["fields"]}
    assert set(fields) == set(INTAKE)
    assert fields["presenting_concerns"]["initial"] == "Child out of school"
    assert {"value": "walk_in", "label": "Walk-in"} in fields["source"]["choices"]
    assert fields["consent_to_share"]["required"] is True
    assert response["ETag"]
    assert AccessEvent.objects.filter(
        user=world.cw, action=AccessAction.VIEW_RECORD, target="intake"
    ).exists()


def test_a_task_outside_the_scope_is_404(world):
    foreign = open_task(world.cases["foreign"], "intake")
    restricted = open_task(world.cases["restricted"], "intake")
    for task in (foreign, restricted):
        for user in (world.cw, world.mgr, world.sup):
            client = client_for(user)
            assert client.get(f"/api/v1/tasks/{task.pk}/").status_code == 404
            response = client.post(f"/api/v1/tasks/{task.pk}/complete/", INTAKE, "json")
            assert response.status_code == 404
    assert not Intake.objects.filter(completed_at__isnull=False).exists()


def test_claiming_a_task_someone_claimed_is_409(world):
    """Two supervisors of the office see the same unallocated case in their queue."""
    task = open_task(world.cases["unallocated"], "allocate")
    first = client_for(world.sup).post(f"/api/v1/tasks/{task.pk}/claim/")
    assert first.status_code == 200, first.json()
    assert first.json()["task"]["owner"]["id"] == world.sup.pk
    second = client_for(world.sup_b).post(f"/api/v1/tasks/{task.pk}/claim/")
    assert second.status_code == 409
    assert second.json()["code"] == "conflict" and "already claimed" in second.json()["detail"]
    # Completing it now is a lost race too, and nothing changes.
    done = client_for(world.sup_b).post(
        f"/api/v1/tasks/{task.pk}/complete/", {"caseworker": world.cw.pk}, "json"
    )
    assert done.status_code == 409
    assert Case.objects.get(pk=world.cases["unallocated"].pk).owner_id is None


def test_release_and_release_again(world):
    task = open_task(world.cases["unallocated"], "allocate")
    task_claim(task=task, actor=world.sup)
    client = client_for(world.sup)
    response = client.post(f"/api/v1/tasks/{task.pk}/release/")
    assert response.status_code == 200 and response.json()["task"]["owner"] is None
    again = client.post(f"/api/v1/tasks/{task.pk}/release/")
    assert again.status_code == 409


def test_reassigning_takes_someone_who_may_do_it(world):
    task = open_task(world.cases["mine"], "intake")
    sup = client_for(world.sup)
    choices = sup.get(f"/api/v1/tasks/{task.pk}/").json()["reassign_to"]
    assert world.cw_mate.pk in [c["id"] for c in choices]
    wrong = sup.post(f"/api/v1/tasks/{task.pk}/reassign/", {"to_user": world.cw_other.pk}, "json")
    assert wrong.status_code == 400 and "to_user" in wrong.json()["errors"]
    done = sup.post(f"/api/v1/tasks/{task.pk}/reassign/", {"to_user": world.cw_mate.pk}, "json")
    assert done.status_code == 200 and done.json()["task"]["owner"]["id"] == world.cw_mate.pk
    # A caseworker does not hand work out (the service refuses: 403).
    refused = client_for(world.cw_mate).post(
        f"/api/v1/tasks/{task.pk}/reassign/", {"to_user": world.cw.pk}, "json"
    )
    assert refused.status_code == 403 and refused.json()["code"] == "not_permitted"


def test_completing_with_bad_input_is_400_then_done_then_409(world):
    task = open_task(world.cases["mine"], "intake")
    client = client_for(world.cw)
    url = f"/api/v1/tasks/{task.pk}/complete/"
    bad = client.post(url, {**INTAKE, "presenting_concerns": "", "consent_to_share": True}, "json")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"presenting_concerns", "consent_to_share"}
    assert Task.objects.get(pk=task.pk).status == STATUS.ASSIGNED
    done = client.post(url, INTAKE, "json")
    assert done.status_code == 200, done.json()
    assert done.json()["case"]["stage"] == "assessment"
    again = client.post(url, INTAKE, "json")
    assert again.status_code == 409
    assert again.json()["code"] == "conflict" and "already completed" in again.json()["detail"]


def test_a_plans_actions_are_a_list_checked_by_the_pages_formset(world):
    case = world.cases["mine"]
    complete_intake(case, world.cw)
    submit_assessment(case, world.cw)
    approve(case, "approve_assessment", world.sup)
    task = open_task(case, "plan")
    client = client_for(world.cw)
    url = f"/api/v1/tasks/{task.pk}/complete/"
    plan = {"summary": "S", "goals": "Back in school"}
    missing = client.post(url, plan, "json")
    assert missing.status_code == 400
    assert missing.json()["errors"]["actions"]["non_field_errors"]
    half = client.post(url, {**plan, "actions": [{"description": "Enrol"}]}, "json")
    assert half.status_code == 400 and half.json()["errors"]["actions"]["0"]
    described = client.get(f"/api/v1/tasks/{task.pk}/").json()["submit"]
    assert "reassess" in described["actions"]
    reassess = client.post(url, {"action": "reassess", "reason": "New facts"}, "json")
    assert reassess.status_code == 200, reassess.json()
    assert reassess.json()["case"]["stage"] == "assessment"


def test_the_conflict_is_told_in_the_clients_language(world):
    task = open_task(world.cases["mine"], "intake")
    client = client_for(world.cw)
    url = f"/api/v1/tasks/{task.pk}/complete/"
    assert client.post(url, INTAKE, "json").status_code == 200
    again = client.post(url, INTAKE, "json", HTTP_ACCEPT_LANGUAGE="pl")
    assert again.status_code == 409
    assert again.json()["detail"].startswith("To zadanie wykonał(a) już Akosua")
    bad = client.post(f"/api/v1/tasks/{task.pk}/complete/", [], "json", HTTP_ACCEPT_LANGUAGE="pl")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"


def test_a_cursor_serves_only_its_own_list_and_order(world):
    for n in range(3):
        open_case(world.office, world.cw, "Ama", f"Cursor{n}")
    client = client_for(world.sup)
    following = client.get("/api/v1/tasks/queue/?sort=-due&page_size=1").json()["next"]
    token = following.split("cursor=")[1].split("&")[0]
    same = client.get(f"/api/v1/tasks/queue/?sort=-due&page_size=1&cursor={token}")
    assert same.status_code == 200
    other_order = client.get(f"/api/v1/tasks/queue/?sort=-risk&cursor={token}")
    assert other_order.status_code == 400 and "cursor" in other_order.json()["errors"]
    other_list = client.get(f"/api/v1/cases/?cursor={token}")
    assert other_list.status_code == 400
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.get(f"/api/v1/tasks/queue/?sort=-due&cursor={forged}").status_code == 400


def test_an_approval_task_is_decided_on_its_approval(world):
    case = world.cases["mine"]
    complete_intake(case, world.cw)
    submit_assessment(case, world.cw)
    task = open_task(case, "approve_assessment")
    client = client_for(world.sup)
    assert client.get(f"/api/v1/tasks/{task.pk}/").json()["approval"] == task.approval.pk
    response = client.post(f"/api/v1/tasks/{task.pk}/complete/", {}, "json")
    assert response.status_code == 400 and response.json()["code"] == "approval_task"


def test_the_decision_draft_saved_by_someone_else_is_a_stale_if_match(world):
    case = world.cases["mine"]
    kind = kinds_for_office(case.office)[0]
    decision = decision_services.decision_start(case=case, actor=world.cw, kind=kind)
    task = open_task(case, "prepare_decision")
    client = client_for(world.cw)
    etag = client.get(f"/api/v1/tasks/{task.pk}/").headers["ETag"]
    decision_services.decision_save(decision=decision, actor=world.sup, ruling="Grants help")
    url = f"/api/v1/tasks/{task.pk}/complete/"
    draft = {"action": "save_draft", "ruling": "Refuses help"}
    stale = client.post(url, draft, "json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    decision.refresh_from_db()
    assert decision.ruling == "Grants help"
    fresh = client.get(f"/api/v1/tasks/{task.pk}/").headers["ETag"]
    assert fresh != etag
    saved = client.post(url, draft, "json", HTTP_IF_MATCH=fresh)
    assert saved.status_code == 200, saved.json()
    decision.refresh_from_db()
    assert decision.ruling == "Refuses help"


def test_a_token_that_may_only_read_tasks_changes_none(world):
    task = open_task(world.cases["unallocated"], "allocate")
    response = client_for(world.sup, "tasks:read").post(f"/api/v1/tasks/{task.pk}/claim/")
    assert response.status_code == 403
    assert Task.objects.get(pk=task.pk).owner_id is None
