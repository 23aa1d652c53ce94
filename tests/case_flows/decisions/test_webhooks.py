"""A supervisor's decision on an administrative decision reaches the office's webhooks as
approval_decided (kind "decision"), without a word of the decision's text."""

import json

from accounts.models import Role
from notifications import webhooks
from notifications.models import WebhookEvent
from tests.factories import make_user

from .conftest import CONTENT, approved_decision


def test_an_approved_decision_is_approval_decided(mops, case, pracownik, kierownik):
    admin = make_user(Role.ADMINISTRATOR, mops, username="admin_mops")
    webhooks.webhook_endpoint_create(
        actor=admin,
        office=mops,
        url="https://mops.example.org/hooks",
        description="",
        events=["approval_decided"],
    )
    decision = approved_decision(case, pracownik, kierownik)
    [event] = WebhookEvent.objects.filter(event="approval_decided")
    data = event.payload["data"]
    assert data["approval_kind"] == "decision"
    assert data["status"] == "approved" and data["auto_approved"] is False
    assert data["decision"] == decision.pk and isinstance(data["approval"], int)
    body = json.dumps(event.payload, ensure_ascii=False)
    assert CONTENT["reasoning"] not in body and "Wiśniewski" not in body
