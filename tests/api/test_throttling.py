"""The rate limit per credential (api/throttling.py)."""

import uuid

import pytest
from django.core.cache import caches

from tests.api.credentials import api_client, bearer, office_admin, personal_token, token_request

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls_for_tests")]

PROBE = "/api/v1/probe/cases/"


@pytest.fixture
def three_a_minute(settings):
    settings.API_RATE_LIMIT = "3/min"
    caches[settings.API_THROTTLE_CACHE].clear()
    yield
    caches[settings.API_THROTTLE_CACHE].clear()


def _calls(caller, n: int) -> list[int]:
    return [caller.get(PROBE).status_code for _ in range(n)]


def test_over_the_limit_is_429_with_retry_after_and_the_error_shape(caseworker, three_a_minute):
    _token, value = personal_token(caseworker)
    caller = bearer(value)
    assert _calls(caller, 3) == [200, 200, 200]
    response = caller.get(PROBE)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled" and response.json()["detail"]
    assert 1 <= int(response["Retry-After"]) <= 60


def test_each_personal_token_has_its_own_count_from_the_same_address(caseworker, three_a_minute):
    _token, first = personal_token(caseworker, name="First")
    _token, second = personal_token(caseworker, name="Second")
    assert _calls(bearer(first), 4) == [200, 200, 200, 429]
    # Same person, same address (127.0.0.1): the other token is not slowed down.
    assert _calls(bearer(second), 3) == [200, 200, 200]


def test_an_api_client_counts_across_all_its_tokens(office, three_a_minute):
    row, secret = api_client(office_admin(office))
    first = token_request(row.client_id, secret).json()["access_token"]
    assert _calls(bearer(first), 3) == [200, 200, 200]
    fresh = token_request(row.client_id, secret).json()["access_token"]
    assert _calls(bearer(fresh), 1) == [429]


def test_the_counters_work_in_redis_as_production_keeps_them(caseworker, settings):
    """base.py puts the counters in Redis when REDIS_URL is set (the test settings keep them in
    memory): the same limit holds with Django's Redis cache."""
    settings.CACHES = {
        **settings.CACHES,
        "api-redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        },
    }
    settings.API_THROTTLE_CACHE = "api-redis"
    settings.API_RATE_LIMIT = "2/min"
    try:
        _token, value = personal_token(caseworker)
        assert _calls(bearer(value), 3) == [200, 200, 429]
    finally:
        caches["api-redis"].clear()
