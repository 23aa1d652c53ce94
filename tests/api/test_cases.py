"""Cases through the API: the case list, a case, its records and timeline, risk and reopen;
the scope (another office's case, a restricted case: 404 and absent), ETag/If-Match, the
access log, cursor pages and constant query counts."""

import pytest

import case_flows.cases.services as case_services
from case_flows.cases.selectors import case_search_unbounded
from case_flows.models import AccessAction, AccessEvent, Case, CaseEvent
from tests.api.conftest import client_for, queries_for, walk
from tests.api.world import open_case
from tests.case_flows.formdefs.test_runtime_pages import MEMBERS, NOTE, publish_for
from tests.steps import allocate, open_task

pytestmark = pytest.mark.django_db


def refs(rows) -> set[str]:
    return {row["reference"] for row in rows}


def test_the_case_list_is_the_pages_search_within_the_scope(world):
    cases = world.cases
    mine = client_for(world.cw).get("/api/v1/cases/").json()["results"]
    # Their own, and the one they registered that awaits allocation (read only).
    assert refs(mine) == {cases["mine"].reference, cases["unallocated"].reference}
    unallocated = next(r for r in mine if r["reference"] == cases["unallocated"].reference)
    assert unallocated["awaiting_allocation"] is True
    # The office's manager: every case of the office but the restricted one, none elsewhere.
    office = client_for(world.mgr).get("/api/v1/cases/").json()["results"]
    assert refs(office) == {cases["mine"].reference, cases["unallocated"].reference}
    # The restricted case's own caseworker sees it.
    theirs = client_for(world.cw_b).get("/api/v1/cases/").json()["results"]
    assert cases["restricted"].reference in refs(theirs)


def test_the_case_list_searches_and_is_recorded_as_a_search(world):
    response = client_for(world.mgr).get("/api/v1/cases/?q=mensah")
    assert refs(response.json()["results"]) == {world.cases["mine"].reference}
    assert AccessEvent.objects.filter(
        user=world.mgr, action=AccessAction.SEARCH, target="case list", query="mensah"
    ).exists()
    # A restricted client's name finds nothing for someone not on its list.
    response = client_for(world.mgr).get("/api/v1/cases/?q=Zastrzezona")
    assert response.json()["results"] == []


def test_a_search_too_long_is_400_with_the_fields_error(world):
    response = client_for(world.cw).get("/api/v1/cases/", {"q": "x" * 121})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "q" in body["errors"]


def test_the_case_list_pages_by_cursor_in_the_lists_order(world):
    for n in range(5):
        open_case(world.office, world.cw, "Ama", f"Owusu{n}")
    client = client_for(world.mgr)
    rows = walk(client, "/api/v1/cases/?page_size=2")
    expected = list(case_search_unbounded(world.mgr, "").values_list("reference", flat=True))
    assert [row["reference"] for row in rows] == expected and len(expected) == 7
    # And back: the second page's `previous` is the first page.
    first = client.get("/api/v1/cases/?page_size=2").json()
    second = client.get(first["next"]).json()
    assert client.get(second["previous"]).json()["results"] == first["results"]


def test_a_cursor_that_is_not_one_is_400(world):
    response = client_for(world.cw).get("/api/v1/cases/?cursor=nonsense")
    assert response.status_code == 400 and "cursor" in response.json()["errors"]


def test_the_case_list_costs_the_same_queries_for_more_cases(world):
    client = client_for(world.mgr)
    few = queries_for(client, "/api/v1/cases/")
    for n in range(6):
        case = open_case(world.office, world.cw, "Yaa", f"Asante{n}")
        allocate(case, world.sup, world.cw)
    assert queries_for(client, "/api/v1/cases/") == few


def test_a_case_shows_the_case_pages_main_facts(world):
    case = world.cases["mine"]
    response = client_for(world.cw).get(f"/api/v1/cases/{case.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == case.reference
    assert body["person"]["family_name"] == "Mensah"
    assert (body["stage"], body["risk"], body["owner"]["id"]) == ("intake", "high", world.cw.pk)
    assert body["office"]["code"] == "BEK" and body["team"]["name"] == "Child welfare"
    assert [t["node"] for t in body["open_tasks"]] == ["intake"]
    assert body["read_only"] is False
    assert response["ETag"]
    assert AccessEvent.objects.filter(
        user=world.cw, action=AccessAction.VIEW_CASE, case=case
    ).exists()


@pytest.mark.parametrize("who", ["cw", "mgr", "sup", "sup_other"])
def test_a_case_outside_the_scope_is_404_and_leaves_no_access_row(world, who):
    user = getattr(world, who)
    client = client_for(user)
    for name in ("restricted", "foreign"):
        if name == "foreign" and who == "sup_other":
            continue
        for part in ("", "records/", "timeline/"):
            response = client.get(f"/api/v1/cases/{world.cases[name].pk}/{part}")
            assert response.status_code == 404, (name, part)
            assert response.json()["code"] == "not_found"
    assert not AccessEvent.objects.filter(user=user).exists()


def test_the_restricted_case_is_read_by_its_access_list(world):
    response = client_for(world.sup_b).get(f"/api/v1/cases/{world.cases['restricted'].pk}/")
    assert response.status_code == 200 and response.json()["is_restricted"] is True


def test_a_token_without_the_scope_is_403(world):
    case = world.cases["mine"]
    response = client_for(world.cw, "tasks:read").get(f"/api/v1/cases/{case.pk}/")
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    read_only = client_for(world.cw, "cases:read")
    response = read_only.post(
        f"/api/v1/cases/{case.pk}/risk/", {"risk": "low", "comment": "x"}, "json"
    )
    assert response.status_code == 403


def test_the_records_show_configured_answers_with_their_labels(world):
    publish_for(world.office, "intake", NOTE, MEMBERS)
    case = world.cases["mine"]
    client = client_for(world.cw)
    task = open_task(case, "intake")
    described = client.get(f"/api/v1/tasks/{task.pk}/").json()["submit"]["fields"]
    by_name = {f["name"]: f for f in described}
    assert by_name["cf_note"]["label"] == "Note"
    assert by_name["cf_members"]["type"] == "list"
    assert [f["name"] for f in by_name["cf_members"]["fields"]] == ["name", "age"]
    intake = {
        "source": "walk_in",
        "presenting_concerns": "Child out of school",
        "immediate_safety": "safe",
        "consent_to_share": "yes",
        "cf_note": "Seen at home",
    }
    # A row of the group without its required name: the configured form's own error.
    refused = client.post(
        f"/api/v1/tasks/{task.pk}/complete/", {**intake, "cf_members": [{"age": 7}]}, "json"
    )
    assert refused.status_code == 400
    assert "cf_members__0__name" in refused.json()["errors"]
    done = client.post(
        f"/api/v1/tasks/{task.pk}/complete/",
        {**intake, "cf_members": [{"name": "Ama", "age": 7}]},
        "json",
    )
    assert done.status_code == 200, done.json()
    records = client.get(f"/api/v1/cases/{case.pk}/records/", HTTP_ACCEPT_LANGUAGE="pl").json()
    answers = records["intake"]["answers"]
    assert [s["label"] for s in answers] == ["Więcej"]
    shown = {a["key"]: a for a in answers[0]["answers"]}
    assert shown["note"]["label"] == "Notatka" and shown["note"]["value"] == "Seen at home"
    assert shown["members"]["rows"] == [[["Imię", "Ama"], ["Wiek", "7"]]]
    assert records["intake"]["answers_data"] == {
        "note": "Seen at home",
        "members": [{"name": "Ama", "age": 7}],
    }
    assert AccessEvent.objects.filter(
        user=world.cw, action=AccessAction.VIEW_CASE, target="records"
    ).exists()


def test_the_timeline_pages_by_cursor(world):
    case = world.cases["mine"]
    client = client_for(world.cw)
    rows = walk(client, f"/api/v1/cases/{case.pk}/timeline/?page_size=1")
    expected = list(
        CaseEvent.objects.filter(case=case).order_by("-created_at", "-pk").values_list("pk")
    )
    assert [(row["id"],) for row in rows] == expected
    assert all(row["what"] for row in rows)


def test_a_risk_change_with_a_stale_etag_is_409_and_changes_nothing(world):
    case = world.cases["mine"]
    client = client_for(world.cw)
    etag = client.get(f"/api/v1/cases/{case.pk}/").headers["ETag"]
    # Someone else changes the case meanwhile (the case page's risk form).
    case_services.case_change_risk(case=case, actor=world.sup, risk="medium", comment="Calmer")
    change = {"risk": "low", "comment": "Family support in place"}
    stale = client.post(f"/api/v1/cases/{case.pk}/risk/", change, "json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    assert Case.objects.get(pk=case.pk).risk == "medium"
    current = client.get(f"/api/v1/cases/{case.pk}/").headers["ETag"]
    done = client.post(f"/api/v1/cases/{case.pk}/risk/", change, "json", HTTP_IF_MATCH=current)
    assert done.status_code == 200 and done.json()["case"]["risk"] == "low"
    assert done.headers["ETag"] != current
    # Without If-Match the change is made (the service's rules still apply).
    change = {"risk": "high", "comment": "Back to high"}
    assert client.post(f"/api/v1/cases/{case.pk}/risk/", change, "json").status_code == 200


def test_a_risk_change_without_a_reason_is_400(world):
    case = world.cases["mine"]
    response = client_for(world.cw).post(f"/api/v1/cases/{case.pk}/risk/", {"risk": "x"}, "json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"risk", "comment"}
    assert Case.objects.get(pk=case.pk).risk == "high"


def test_reopening_a_case_that_is_open_is_409(world):
    case = world.cases["mine"]
    response = client_for(world.sup).post(
        f"/api/v1/cases/{case.pk}/reopen/", {"comment": "Again"}, "json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "already open" in response.json()["detail"]


def test_a_case_for_a_registered_person(world):
    person = world.cases["mine"].person
    body = {
        "person": person.pk,
        "category": world.cases["mine"].category_id,
        "risk": "low",
        "source": "walk_in",
        "presenting_concerns": "A second concern",
    }
    client = client_for(world.cw)
    response = client.post("/api/v1/cases/", body, "json")
    assert response.status_code == 201, response.json()
    case = Case.objects.get(pk=response.json()["id"])
    assert case.person == person and case.created_by == world.cw
    # Someone of another office's registry is not theirs to open a case for.
    foreign = {**body, "person": world.cases["foreign"].person_id}
    assert client.post("/api/v1/cases/", foreign, "json").status_code == 404
    assert client.post("/api/v1/cases/", {**body, "person": "x"}, "json").status_code == 400
