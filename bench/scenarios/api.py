"""The API's inbox list (GET /api/v1/tasks/) of the caseworker with the largest queue, as the
inbox page is timed for them: in-process through Django's test Client (real views,
middleware, token check, access log and throttle), with a personal token made for the run."""

from __future__ import annotations

import json
import time

from bench.scenarios.common import _log, _proc_status_mb, _summary

API_INBOX_URL = "/api/v1/tasks/"


def _get(client, url: str):
    began = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - began) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    return elapsed, response


def api_inbox_scenario(subjects: dict, *, runs: int, warmup: int) -> dict:
    """The first page of the largest inbox as JSON, with a personal token of its owner (scope
    tasks:read) made through the token service. All of it in one transaction rolled back at
    the end: the token, its account event and the access log's rows leave no trace in the
    dataset."""
    from django.db import transaction
    from django.test import Client

    from accounts.models import User
    from api.tokens import default_lifetime, personal_token_create

    user_id = subjects["inbox_large"]["user_id"]
    _log("API inbox list (GET /api/v1/tasks/), caseworker with the largest queue")
    with transaction.atomic():
        user = User.objects.get(pk=user_id)
        _token, raw = personal_token_create(
            actor=user, name="bench", scopes=["tasks:read"], days=default_lifetime()
        )
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT="application/json")
        for _ in range(warmup):
            _get(client, API_INBOX_URL)
        samples = []
        response = None
        for _ in range(runs):
            elapsed, response = _get(client, API_INBOX_URL)
            samples.append(elapsed)
        transaction.set_rollback(True)
    assert response is not None
    body = json.loads(response.content)
    result = _summary(samples)
    result.update(
        url=API_INBOX_URL,
        user_id=user_id,
        json_kb=round(len(response.content) / 1024, 1),
        rows=len(body["results"]),
        more=body.get("next") is not None,
        rss_mb_after=_proc_status_mb().get("VmRSS"),
    )
    return result
