"""The case's business changes reach the office's webhooks, from the timeline: opened,
assigned, stage changed, approval decided, closed, referral answered, transfer completed,
deadline breached. Identifiers and codes only, never the people's names or words; a change
that rolls back sends nothing."""

import json

import pytest
from django.db import transaction
from django.utils import timezone

import case_flows.cases.services as case_services
from accounts.models import Role
from case_flows.models import Case, CaseTransfer, ProviderKind, ServiceProvider, Stage
from case_flows.referrals import services as referrals
from case_flows.transfers import services as transfers
from notifications import delivery as sending
from notifications import webhooks
from notifications.models import Delivery, WebhookEvent
from tests.factories import category, make_person, make_team, make_user
from tests.notifications.webhook_receiver import Receiver
from tests.steps import allocate, approve, close_case, complete_intake, open_task, submit_assessment
from workflows.sla.models import SlaClock
from workflows.sla.seed import seed_sla_policies
from workflows.sla.sweep import sla_sweep
from workflows.sla.timing import is_breach_step

# In names, notes, comments and reasons below: never in a payload.
SENTINEL = "Zx9Sentinel"
SENTENCE = f"{SENTINEL} said the family is in danger"


@pytest.fixture(autouse=True)
def policies(db):
    seed_sla_policies()


@pytest.fixture
def admin(office):
    return make_user(Role.ADMINISTRATOR, office, username="officeadmin")


@pytest.fixture
def endpoint(admin, office):
    endpoint, _secret = webhooks.webhook_endpoint_create(
        actor=admin,
        office=office,
        url="https://hooks.example.org/caseflow",
        description="",
        events=webhooks.SUBSCRIBABLE_EVENTS,
    )
    return endpoint


def _open(office, caseworker, team=None, *, cat=None) -> Case:
    person = make_person(office, SENTINEL, f"{SENTINEL}son", phone="+233 24 000 0000")
    return case_services.case_open(
        actor=caseworker,
        person=person,
        office=office,
        category=cat or category(),
        risk="high",
        source="walk_in",
        presenting_concerns=SENTENCE,
        team=team,
    )


def _events(case=None, event=None) -> list[dict]:
    rows = WebhookEvent.objects.order_by("pk")
    if event is not None:
        rows = rows.filter(event=event)
    payloads = [row.payload for row in rows]
    if case is not None:
        payloads = [p for p in payloads if p["case"] and p["case"]["id"] == case.pk]
    return payloads


def _assert_no_free_text():
    everything = json.dumps([row.payload for row in WebhookEvent.objects.all()])
    assert SENTINEL not in everything
    assert "danger" not in everything


def test_a_case_s_life_reaches_the_receiver_without_a_word_of_free_text(
    admin, office, team, supervisor, caseworker
):
    with Receiver() as receiver:
        endpoint, secret = webhooks.webhook_endpoint_create(
            actor=admin,
            office=office,
            url=receiver.url,
            description="",
            events=webhooks.SUBSCRIBABLE_EVENTS,
        )
        receiver.secret = secret
        case = _open(office, caseworker)
        close_case(case, supervisor, caseworker, comment=SENTENCE)

        kinds = [payload["event"] for payload in _events(case)]
        assert kinds[0] == "case_opened"
        assert kinds.count("case_opened") == kinds.count("case_closed") == 1
        assert kinds.count("case_assigned") == 1
        assert kinds.count("approval_decided") == 3
        opened = _events(case, "case_opened")[0]
        assert opened["case"] == {"id": case.pk, "reference": case.reference}
        assert opened["office"] == office.code and opened["data"] == {"stage": "intake"}
        assigned = _events(case, "case_assigned")[0]["data"]
        assert assigned == {"owner": caseworker.pk, "team": team.pk, "how": "allocated"}
        moves = [
            (p["data"]["from_stage"], p["data"]["to_stage"]) for p in _events(case, "stage_changed")
        ]
        assert moves[0] == (Stage.INTAKE, Stage.ASSESSMENT)
        assert moves[-1] == (Stage.CLOSING, Stage.CLOSED)
        assert all(a != b for a, b in moves)
        decided = [p["data"] for p in _events(case, "approval_decided")]
        assert [(d["approval_kind"], d["status"], d["auto_approved"]) for d in decided] == [
            ("assessment", "approved", False),
            ("plan", "approved", False),
            ("closure", "approved", False),
        ]
        assert all(isinstance(d["approval"], int) for d in decided)
        closed = _events(case, "case_closed")[0]["data"]
        assert closed == {"from_stage": Stage.CLOSING, "episode": case.episode}
        _assert_no_free_text()

        # Delivered, signed, each once, and no body carries a word of free text.
        rows = Delivery.objects.filter(endpoint=endpoint).order_by("pk")
        for delivery_id in rows.values_list("pk", flat=True):
            assert sending.delivery_attempt(delivery_id=delivery_id)[0] == sending.SENT
    assert len(receiver.requests) == len(kinds)
    assert all(request["verified"] for request in receiver.requests)
    assert [event["event"] for event in receiver.events] == kinds
    for request in receiver.requests:
        assert SENTINEL.encode() not in request["body"]
        assert b"danger" not in request["body"]


def test_a_returned_approval_is_decided_returned(endpoint, new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    submit_assessment(new_case, caseworker)
    approve(new_case, "approve_assessment", supervisor, approve=False, comment=SENTENCE)
    [decided] = _events(new_case, "approval_decided")
    assert decided["data"]["approval_kind"] == "assessment"
    assert decided["data"]["status"] == "returned"
    _assert_no_free_text()


def test_a_rolled_back_change_emits_nothing(
    endpoint, office, caseworker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            _open(office, caseworker)
            assert WebhookEvent.objects.exists()  # written in the change's transaction...
            raise RuntimeError("the request failed after the case was opened")
    assert not WebhookEvent.objects.exists()  # ...and gone with it
    assert not Delivery.objects.exists()
    assert callbacks == []  # nothing handed to Celery


def test_an_office_without_endpoints_gets_nothing(office, caseworker, other_office):
    superuser = make_user(None, None, username="root", is_superuser=True)
    webhooks.webhook_endpoint_create(
        actor=superuser,
        office=other_office,
        url="https://other.example.org/",
        description="",
        events=webhooks.SUBSCRIBABLE_EVENTS,
    )
    _open(office, caseworker)
    assert not WebhookEvent.objects.exists()


def test_a_restricted_case_is_named_by_its_id_alone(endpoint, office, caseworker):
    gbv = category("gbv_webhook_test")
    gbv.restricted_by_default = True
    gbv.save(update_fields=["restricted_by_default"])
    case = _open(office, caseworker, cat=gbv)
    assert case.is_restricted
    [opened] = _events(case, "case_opened")
    assert opened["case"] == {"id": case.pk, "reference": None}
    assert case.reference not in json.dumps(_events())


def test_a_provider_s_answer_is_referral_answered(endpoint, new_case, supervisor, caseworker):
    from tests.case_flows.referrals.test_referrals import to_referral_stage

    case = to_referral_stage(new_case, supervisor, caseworker)
    shelter = ServiceProvider.objects.create(
        name=f"{SENTINEL} Shelter", kind=ProviderKind.EXTERNAL, services="Shelter"
    )
    referral = referrals.referral_send(
        case=case,
        actor=caseworker,
        provider=shelter,
        service_type="Shelter",
        urgency="routine",
        notes=SENTENCE,
    )
    assert _events(case, "referral_answered") == []  # sending is not an answer
    referrals.referral_decline(referral=referral, actor=caseworker, reason=SENTENCE)
    [answered] = _events(case, "referral_answered")
    assert answered["data"] == {
        "referral": referral.pk,
        "answer": "declined",
        "status": "declined",
        "provider": shelter.pk,
    }
    _assert_no_free_text()


def test_a_transfer_reaches_both_offices(
    admin, endpoint, office, other_office, new_case, supervisor, caseworker
):
    receiving_supervisor = make_user(Role.SUPERVISOR, other_office, username="sup2")
    receiving_team = make_team(other_office, supervisor=receiving_supervisor)
    receiving_caseworker = make_user(Role.CASEWORKER, other_office, receiving_team)
    other_admin = make_user(Role.ADMINISTRATOR, other_office, username="administrator")
    theirs, _secret = webhooks.webhook_endpoint_create(
        actor=other_admin,
        office=other_office,
        url="https://mops.example.org/",
        description="",
        events=["transfer_completed"],
    )
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    new_case.refresh_from_db()
    transfer = transfers.transfer_request(
        case=new_case, actor=caseworker, to_office=other_office, reason=SENTENCE
    )
    assert _events(new_case, "transfer_completed") == []  # asked, not done
    transfers.transfer_accept(
        transfer=CaseTransfer.objects.get(pk=transfer.pk),
        actor=receiving_supervisor,
        caseworker=receiving_caseworker,
    )
    completed = _events(new_case, "transfer_completed")
    assert sorted(p["office"] for p in completed) == sorted([office.code, other_office.code])
    for payload in completed:
        assert payload["data"]["transfer"] == transfer.pk
        assert payload["data"]["from_office"] == office.code
        assert payload["data"]["to_office"] == other_office.code
        assert payload["data"]["owner"] == receiving_caseworker.pk
    assert Delivery.objects.filter(endpoint=theirs).count() == 1
    _assert_no_free_text()


def test_a_breached_deadline_is_sent_once_per_clock(
    endpoint, new_case, supervisor, caseworker, django_assert_max_num_queries
):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    clock = SlaClock.objects.select_related("policy").get(
        subject_id=new_case.pk, kind="task", task=open_task(new_case, "assess")
    )
    breach_steps = [i for i, step in enumerate(clock.policy.ladder) if is_breach_step(step)]
    now = timezone.now()
    clock.warn_at = now - timezone.timedelta(hours=3)
    clock.due_at = now - timezone.timedelta(hours=2)
    clock.next_step, clock.next_step_at = breach_steps[0], clock.due_at
    clock.save(update_fields=["warn_at", "due_at", "next_step", "next_step_at"])
    sla_sweep()
    [breached] = _events(new_case, "deadline_breached")
    assert breached["data"] == {
        "clock": clock.pk,
        "deadline": "assess",
        "deadline_kind": "task",
        "policy": clock.policy.key,
        "due_at": clock.due_at.isoformat(),
        "step": clock.policy.ladder[breach_steps[0]]["key"],
        "referral": None,
    }
    assert breached["case"] == {"id": new_case.pk, "reference": new_case.reference}
    # A later step that is also past the deadline (the manager's) is not a second breach.
    if len(breach_steps) > 1:
        SlaClock.objects.filter(pk=clock.pk).update(
            next_step=breach_steps[1], next_step_at=timezone.now()
        )
        sla_sweep()
    assert len(_events(new_case, "deadline_breached")) == 1


def test_a_hand_over_of_a_person_s_work_assigns_their_cases(
    endpoint, office, team, supervisor, caseworker, manager
):
    from workflows.handover import tasks_hand_over

    colleague = make_user(Role.CASEWORKER, office, team, username="anna")
    case = _open(office, caseworker)
    allocate(case, supervisor, caseworker)
    complete_intake(case, caseworker)
    tasks_hand_over(from_user=caseworker, to_user=colleague, actor=manager, reason=SENTENCE)
    handed = [p["data"] for p in _events(case, "case_assigned")]
    assert handed[-1] == {
        "owner": colleague.pk,
        "team": team.pk,
        "previous_owner": caseworker.pk,
        "how": "handed_over",
    }
    _assert_no_free_text()
