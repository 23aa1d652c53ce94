"""`Idempotency-Key` on the requests that open a case: a resent registration or case opening
answers 200 with the first answer and opens nothing twice; the same key with another body is
409 `idempotency_key_reused`; a failed request frees its key; keys are per user and kept for
a day."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.idempotency import purge_expired
from api.models import IdempotencyKey
from case_flows.models import Case, Person
from tests.api.conftest import client_for
from tests.factories import category

pytestmark = pytest.mark.django_db

KEY = "6f1c2a9e-3b7d-4f0a-9c55-0d8e7b1a2c3d"


def new_client(**overrides) -> dict:
    return {
        "given_name": "Kwabena",
        "family_name": "Idempotent",
        "sex": "male",
        "date_of_birth": "2015-04-02",
        "phone": "+233 20 555 0199",
        "category": category().pk,
        "risk": "medium",
        "source": "walk_in",
        "presenting_concerns": "Child out of school",
        **overrides,
    }


def register(client, body, key=KEY):
    return client.post("/api/v1/people/", body, "json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_resent_registration_answers_the_same_case(world):
    client = client_for(world.cw)
    first = register(client, new_client())
    assert first.status_code == 201, first.json()
    again = register(client, new_client())
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert Person.objects.filter(family_name="Idempotent").count() == 1
    assert Case.objects.filter(person__family_name="Idempotent").count() == 1
    record = IdempotencyKey.objects.get(user=world.cw, key=KEY)
    assert record.case_id == first.json()["case"]["id"] and record.status_code == 201


def test_the_same_key_with_another_body_is_409(world):
    client = client_for(world.cw)
    assert register(client, new_client()).status_code == 201
    response = register(client, new_client(given_name="Kofi"))
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert not Person.objects.filter(given_name="Kofi", family_name="Idempotent").exists()
    # ... also on another endpoint.
    response = client.post("/api/v1/cases/", {"person": 1}, "json", HTTP_IDEMPOTENCY_KEY=KEY)
    assert response.status_code == 409


def test_a_failed_request_frees_its_key(world):
    client = client_for(world.cw)
    response = register(client, new_client(date_of_birth="not a date"))
    assert response.status_code == 400 and "date_of_birth" in response.json()["errors"]
    assert not IdempotencyKey.objects.filter(key=KEY).exists()
    assert register(client, new_client()).status_code == 201


def test_keys_are_per_user(world):
    assert register(client_for(world.cw), new_client()).status_code == 201
    # The same key from a colleague is their own request: it runs (here, the duplicate rule).
    response = register(client_for(world.cw_mate), new_client())
    assert response.status_code == 409 and response.json()["code"] == "possible_duplicates"


def test_a_key_in_use_by_a_request_still_running_is_409(world):
    IdempotencyKey.objects.create(user=world.cw, key=KEY, fingerprint="x" * 64)
    response = register(client_for(world.cw), new_client())
    assert response.status_code == 409
    assert response.json()["code"] in ("idempotency_key_reused", "idempotency_key_in_progress")
    assert not Person.objects.filter(family_name="Idempotent").exists()


def test_a_key_is_kept_for_a_day(world):
    client = client_for(world.cw)
    first = register(client, new_client())
    IdempotencyKey.objects.filter(key=KEY).update(created_at=timezone.now() - timedelta(hours=25))
    # Past a day the key is new again: the request runs (and meets the duplicate rule).
    response = register(client, new_client())
    assert response.status_code == 409 and response.json()["code"] == "possible_duplicates"
    assert Case.objects.filter(person__family_name="Idempotent").count() == 1
    assert first.status_code == 201


def test_the_nightly_purge_drops_keys_older_than_a_day(world):
    client = client_for(world.cw)
    register(client, new_client())
    response = register(
        client,
        new_client(given_name="Adjoa", family_name="Recent", phone="+233 20 555 0777"),
        key="recent",
    )
    assert response.status_code == 201, response.json()
    IdempotencyKey.objects.filter(key=KEY).update(created_at=timezone.now() - timedelta(hours=25))
    assert purge_expired() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]


def test_a_resent_case_opening_answers_the_same_case(world):
    body = {
        "person": world.cases["mine"].person_id,
        "category": world.cases["mine"].category_id,
        "risk": "low",
        "source": "walk_in",
        "presenting_concerns": "A second concern",
    }
    client = client_for(world.cw)
    before = Case.objects.count()
    first = client.post("/api/v1/cases/", body, "json", HTTP_IDEMPOTENCY_KEY="open-1")
    assert first.status_code == 201, first.json()
    again = client.post("/api/v1/cases/", body, "json", HTTP_IDEMPOTENCY_KEY="open-1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Case.objects.count() == before + 1
    other = client.post(
        "/api/v1/cases/", {**body, "risk": "high"}, "json", HTTP_IDEMPOTENCY_KEY="open-1"
    )
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"


def test_a_key_too_long_is_400(world):
    response = register(client_for(world.cw), new_client(), key="k" * 256)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["errors"]
    assert not Person.objects.filter(family_name="Idempotent").exists()
