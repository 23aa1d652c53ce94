"""Administrators order, confirm and edit policies; an edit never changes a running clock."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.models import Role
from tests.factories import make_user
from workflows.sla.models import SlaClock, SlaClosureDay, SlaPolicy
from workflows.sla.seed import seed_sla_policies
from workflows.sla.services import sla_clock_open
from workflows.sla.units import ClockKind, PolicyStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, office):
    admin = make_user(Role.ADMINISTRATOR, office, is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.admin = admin
    return client


def _form_data(policy: SlaPolicy, **changes) -> dict:
    data = {
        "name": policy.name,
        "order": policy.order,
        "status": policy.status,
        "jurisdiction": policy.jurisdiction,
        "office": policy.office_id or "",
        "category": policy.category,
        "risk": policy.risk,
        "kind": policy.kind,
        "node_name": policy.node_name,
        "target_amount": policy.target_amount,
        "target_unit": policy.target_unit,
        "warn_percent": policy.warn_percent,
        "ladder": __import__("json").dumps(policy.ladder),
        "pause_reasons": __import__("json").dumps(policy.pause_reasons),
        "citation": policy.citation,
        "effective_from": policy.effective_from.isoformat(),
        "effective_to": "",
    }
    if policy.statutory:
        data["statutory"] = "on"
    if policy.pausable:
        data["pausable"] = "on"
    data.update(changes)
    return data


def test_editing_a_policy_a_clock_uses_saves_a_new_version(admin_client, office, team):
    seed_sla_policies()
    policy = SlaPolicy.objects.get(key="gh-assessment-medium")
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False):
        clock = sla_clock_open(
            subject=team,
            office=office,
            team=team,
            owner=None,
            risk="medium",
            category="",
            kind=ClockKind.TASK,
            name="assess",
        )
    due = clock.due_at
    url = reverse("admin:workflows_slapolicy_change", args=[policy.pk])
    response = admin_client.post(url, _form_data(policy, target_amount=10))
    assert response.status_code == 302, response.context["adminform"].form.errors
    policy.refresh_from_db()
    assert policy.target_amount == 7 and not policy.is_current
    new = SlaPolicy.objects.get(key=policy.key, is_current=True)
    assert (new.version, new.target_amount) == (2, 10)
    clock = SlaClock.objects.get(pk=clock.pk)
    assert (clock.policy_id, clock.due_at) == (policy.pk, due)


def test_order_is_editable_in_the_list_and_drafts_are_labelled(admin_client):
    seed_sla_policies()
    response = admin_client.get(reverse("admin:workflows_slapolicy_changelist"))
    assert "Unverified draft" in response.content.decode()
    policy = SlaPolicy.objects.get(key="gh-review")
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(policy.pk),
        "form-0-order": "5",
        "_save": "Save",
    }
    url = reverse("admin:workflows_slapolicy_changelist") + f"?q={policy.key}"
    assert admin_client.post(url, data).status_code == 302
    policy.refresh_from_db()
    assert policy.order == 5 and policy.version == 1


def test_confirm_action_confirms_drafts(admin_client):
    seed_sla_policies()
    drafts = SlaPolicy.objects.filter(status=PolicyStatus.DRAFT, key__startswith="gh-review")
    response = admin_client.post(
        reverse("admin:workflows_slapolicy_changelist"),
        {"action": "confirm_policies", ACTION_CHECKBOX_NAME: [p.pk for p in drafts]},
    )
    assert response.status_code == 302
    confirmed = SlaPolicy.objects.get(key="gh-review")
    assert confirmed.status == PolicyStatus.CONFIRMED
    assert confirmed.confirmed_by == admin_client.admin


def test_adding_a_closure_day_takes_effect_at_once(admin_client, office):
    from workflows.sla.calendar import calendar_for_office

    assert calendar_for_office(office).is_working_day(datetime(2026, 3, 4).date())
    response = admin_client.post(
        reverse("admin:workflows_slaclosureday_add"),
        {"office": office.pk, "date": "2026-03-04", "reason": "Staff training"},
    )
    assert response.status_code == 302 and SlaClosureDay.objects.count() == 1
    assert not calendar_for_office(office).is_working_day(datetime(2026, 3, 4).date())
