"""Notifications through the API: the user's own list, newest first, each text in the
reader's language as the page renders it (a restricted case never named); only unread; mark
one read (someone else's: 404) or all; constant queries; the scope."""

import pytest

from accounts.models import Role
from notifications.models import Event, Notification
from notifications.outbox import notify
from tests.api.conftest import client_for, queries_for
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(world):
    """A caseworker with no notification yet (the world's have theirs)."""
    return make_user(Role.CASEWORKER, world.office, world.team, username="reader")


def assigned(user, n: int, *, key: str = "a", restricted: bool = False, actor=None) -> list:
    params = {"task": "Intake", **({"restricted": True} if restricted else {})}
    return [
        notify(
            recipient=user,
            event=Event.TASK_ASSIGNED,
            dedupe_key=f"test:{key}:{user.pk}:{i}",
            case_reference="" if restricted else f"BEK-2026-{i:06}",
            link="/cases/1/",
            params=params,
            actor=actor,
        )
        for i in range(n)
    ]


def test_the_list_of_ones_own_notifications(world, reader):
    first, second = assigned(reader, 2, actor=world.sup)
    assigned(world.cw_mate, 1)
    response = client_for(reader).get("/api/v1/notifications/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [second.pk, first.pk]
    assert rows[0]["text"] == "Task “Intake” on BEK-2026-000001 was assigned to you."
    assert rows[0]["event"] == "task_assigned" and rows[0]["read_at"] is None
    assert rows[0]["actor"]["id"] == world.sup.pk


def test_the_text_is_in_the_readers_language(world, reader):
    assigned(reader, 1)
    client = client_for(reader)
    response = client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="pl")
    [row] = response.json()["results"]
    assert row["text"] == "Przydzielono ci zadanie „Przyjęcie” w sprawie BEK-2026-000000."
    reader.preferred_language = "pl"
    reader.save(update_fields=["preferred_language"])
    [row] = client_for(reader).get("/api/v1/notifications/").json()["results"]
    assert row["text"].startswith("Przydzielono ci zadanie")


def test_a_restricted_case_is_never_named(world, reader):
    assigned(reader, 1, restricted=True)
    [row] = client_for(reader).get("/api/v1/notifications/").json()["results"]
    assert row["case_reference"] == "" and "[restricted case]" in row["text"]


def test_only_the_unread_and_a_bad_filter(world, reader):
    first, _second = assigned(reader, 2)
    Notification.objects.filter(pk=first.pk).update(read_at=first.created_at)
    client = client_for(reader)
    rows = client.get("/api/v1/notifications/?show=unread").json()["results"]
    assert [row["id"] for row in rows] == [_second.pk]
    response = client.get("/api/v1/notifications/?show=some")
    assert response.status_code == 400 and "show" in response.json()["errors"]


def test_the_list_pages_by_cursor_and_costs_the_same_queries(world, reader):
    assigned(reader, 2, key="few")
    client = client_for(reader)
    few = queries_for(client, "/api/v1/notifications/")
    assigned(reader, 6, key="more", actor=world.sup)
    assert queries_for(client, "/api/v1/notifications/") == few
    page = client.get("/api/v1/notifications/?page_size=5").json()
    assert len(page["results"]) == 5 and page["next"]
    rest = client.get(page["next"]).json()
    assert len(rest["results"]) == 3 and rest["next"] is None


def test_marking_one_read(world, reader):
    [mine] = assigned(reader, 1)
    [theirs] = assigned(world.cw_mate, 1)
    client = client_for(reader)
    response = client.post(f"/api/v1/notifications/{mine.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"]
    mine.refresh_from_db()
    assert mine.read_at is not None
    # Again: as it was.
    assert client.post(f"/api/v1/notifications/{mine.pk}/read/").status_code == 200
    # Someone else's: 404, and it stays unread.
    response = client.post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_all_read(world, reader):
    assigned(reader, 3)
    [theirs] = assigned(world.cw_mate, 1)
    response = client_for(reader).post("/api/v1/notifications/read-all/")
    assert response.status_code == 200 and response.json() == {"marked": 3, "unread": 0}
    assert not Notification.objects.filter(recipient=reader, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_token_without_the_notifications_scope_is_403(world, reader):
    [mine] = assigned(reader, 1)
    client = client_for(reader, "notifications:read")
    assert client.get("/api/v1/notifications/").status_code == 200
    response = client.post(f"/api/v1/notifications/{mine.pk}/read/")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    response = client_for(reader, "tasks:read").get("/api/v1/notifications/")
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
