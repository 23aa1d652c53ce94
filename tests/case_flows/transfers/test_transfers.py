"""Transfers: to another caseworker of the office, and to another office with the receiving
supervisor's decision; access moves with the case (and the sending office's history access
follows the setting)."""

import pytest
from django.urls import reverse

from accounts.models import Role
from case_flows.models import CaseEvent, CaseTransfer, EventKind, TransferStatus
from case_flows.transfers import services as transfers
from case_flows.transfers.selectors import transfers_incoming_for
from notifications.models import Notification
from tests.steps import allocate, complete_intake, open_task
from workflows.errors import Conflict, NotPermitted, WorkflowError
from workflows.sla.models import SlaClock
from workflows.sla.seed import seed_sla_policies

from ...factories import make_team, make_user


@pytest.fixture(autouse=True)
def policies(db):
    seed_sla_policies()


@pytest.fixture
def receiving_supervisor(other_office):
    return make_user(Role.SUPERVISOR, other_office, username="sup2")


@pytest.fixture
def receiving_team(other_office, receiving_supervisor):
    return make_team(other_office, supervisor=receiving_supervisor, name="Rodziny")


@pytest.fixture
def receiving_caseworker(other_office, receiving_team):
    return make_user(Role.CASEWORKER, other_office, receiving_team, username="cw2")


@pytest.fixture
def case_in_assessment(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    complete_intake(new_case, caseworker)
    new_case.refresh_from_db()
    return new_case


def status_of(client, user, case):
    client.force_login(user)
    return client.get(reverse("case_detail", args=[case.pk])).status_code


def test_same_office_transfer_moves_owner_and_tasks(
    client, office, team, case_in_assessment, supervisor, caseworker
):
    case = case_in_assessment
    colleague = make_user(Role.CASEWORKER, office, team, username="cw_b")
    with pytest.raises(NotPermitted):
        transfers.case_transfer_within_office(
            case=case, actor=caseworker, caseworker=colleague, reason="Leave"
        )
    client.force_login(supervisor)
    response = client.post(
        reverse("case_transfer", args=[case.pk]),
        {"action": "within", "caseworker": colleague.pk, "reason": "Caseworker on leave"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.owner == colleague and case.office == office
    assess = open_task(case, "assess")
    assert assess.owner == colleague
    assert SlaClock.objects.get(task=assess, kind="task").owner == colleague
    event = CaseEvent.objects.get(case=case, kind=EventKind.TRANSFER)
    assert event.comment == "Caseworker on leave" and event.actor == supervisor
    assert Notification.objects.filter(
        recipient=colleague, event="case_transferred", case_reference=case.reference
    ).exists()


def test_cross_office_transfer_moves_access_with_the_case(
    client,
    other_office,
    case_in_assessment,
    supervisor,
    caseworker,
    receiving_supervisor,
    receiving_caseworker,
):
    case = case_in_assessment
    reference = case.reference
    # Before: the receiving office cannot see the case.
    assert status_of(client, receiving_supervisor, case) == 404
    assert status_of(client, receiving_caseworker, case) == 404
    client.force_login(caseworker)
    response = client.post(
        reverse("case_transfer", args=[case.pk]),
        {"action": "request", "to_office": other_office.pk, "reason": "Family moved"},
    )
    assert response.status_code == 302
    transfer = CaseTransfer.objects.get(case=case)
    assert transfer.status == TransferStatus.REQUESTED and transfer.from_owner == caseworker
    # While pending, the sending office keeps the case; a second request is refused.
    assert status_of(client, caseworker, case) == 200
    assert status_of(client, receiving_supervisor, case) == 404
    with pytest.raises(Conflict):
        transfers.transfer_request(
            case=case, actor=supervisor, to_office=other_office, reason="Again"
        )
    # The receiving supervisor sees it in their incoming transfers, with minimal data.
    client.force_login(receiving_supervisor)
    incoming = client.get(reverse("transfers_incoming")).content.decode()
    assert reference in incoming
    # The sending supervisor cannot decide it.
    with pytest.raises(NotPermitted):
        transfers.transfer_accept(transfer=transfer, actor=supervisor, caseworker=caseworker)
    response = client.post(
        reverse("transfer_decide", args=[transfer.pk]),
        {"accept": "yes", "caseworker": receiving_caseworker.pk},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    transfer.refresh_from_db()
    assert (
        transfer.status == TransferStatus.ACCEPTED and transfer.decided_by == receiving_supervisor
    )
    assert case.reference == reference
    assert case.office == other_office and case.owner == receiving_caseworker
    assert case.team.office == other_office
    # Open work moved with the case, its deadline kept but now escalated in the new office.
    assess = open_task(case, "assess")
    assert assess.owner == receiving_caseworker
    clock = SlaClock.objects.get(task=assess, kind="task")
    assert clock.owner == receiving_caseworker and clock.office == other_office
    # After: access moved.
    assert status_of(client, receiving_caseworker, case) == 200
    assert status_of(client, receiving_supervisor, case) == 200
    assert status_of(client, caseworker, case) == 404
    assert status_of(client, supervisor, case) == 404
    assert Notification.objects.filter(
        recipient=receiving_caseworker, event="case_transferred"
    ).exists()
    transitions = list(
        CaseEvent.objects.filter(case=case, kind=EventKind.TRANSFER)
        .order_by("pk")
        .values_list("transition", flat=True)
    )
    assert transitions == ["transfer_requested", "transfer_accepted"]


def test_sending_office_keeps_history_only_when_allowed(
    client,
    settings,
    other_office,
    case_in_assessment,
    supervisor,
    caseworker,
    receiving_supervisor,
    receiving_caseworker,
):
    case = case_in_assessment
    transfer = transfers.transfer_request(
        case=case, actor=caseworker, to_office=other_office, reason="Family moved"
    )
    transfers.transfer_accept(
        transfer=transfer, actor=receiving_supervisor, caseworker=receiving_caseworker
    )
    CaseEvent.objects.create(
        case=case, kind=EventKind.NOTE, actor=receiving_caseworker, comment="New office visit"
    )
    settings.CASE_TRANSFER_SENDING_OFFICE_KEEPS_HISTORY = False
    assert status_of(client, caseworker, case) == 404
    settings.CASE_TRANSFER_SENDING_OFFICE_KEEPS_HISTORY = True
    client.force_login(caseworker)
    response = client.get(reverse("case_detail", args=[case.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "transferred to" in body and "Case opened" in body
    assert "New office visit" not in body  # only the sending office's own history
    # History is read-only: the case's work pages stay closed.
    assert client.get(reverse("case_referrals", args=[case.pk])).status_code == 404
    # Someone who never had the case gets nothing.
    stranger = make_user(Role.CASEWORKER, case.person.office, username="stranger")
    assert status_of(client, stranger, case) == 404


def test_receiving_supervisor_declines_with_a_reason(
    client, other_office, case_in_assessment, caseworker, receiving_supervisor
):
    case = case_in_assessment
    transfer = transfers.transfer_request(
        case=case, actor=caseworker, to_office=other_office, reason="Family moved"
    )
    client.force_login(receiving_supervisor)
    response = client.post(reverse("transfer_decide", args=[transfer.pk]), {"accept": "no"})
    assert response.status_code == 400  # a decline needs its reason
    response = client.post(
        reverse("transfer_decide", args=[transfer.pk]),
        {"accept": "no", "reason": "The family lives outside our district"},
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    case.refresh_from_db()
    assert transfer.status == TransferStatus.DECLINED
    assert transfer.decline_reason == "The family lives outside our district"
    assert case.office_id == transfer.from_office_id and case.owner == caseworker
    assert CaseEvent.objects.filter(case=case, transition="transfer_declined").exists()
    with pytest.raises(Conflict):
        transfers.transfer_decline(transfer=transfer, actor=receiving_supervisor, reason="x")


def test_sender_cancels_a_pending_transfer(
    other_office, case_in_assessment, caseworker, receiving_supervisor
):
    transfer = transfers.transfer_request(
        case=case_in_assessment, actor=caseworker, to_office=other_office, reason="Moved"
    )
    transfers.transfer_cancel(transfer=transfer, actor=caseworker)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED
    assert not transfers_incoming_for(receiving_supervisor).exists()


def test_transfer_needs_a_caseworker_of_the_receiving_office(
    other_office, case_in_assessment, caseworker, receiving_supervisor
):
    transfer = transfers.transfer_request(
        case=case_in_assessment, actor=caseworker, to_office=other_office, reason="Moved"
    )
    with pytest.raises(WorkflowError):
        transfers.transfer_accept(
            transfer=transfer, actor=receiving_supervisor, caseworker=caseworker
        )


def test_pending_approval_moves_to_the_receiving_office(
    other_office,
    case_in_assessment,
    supervisor,
    caseworker,
    receiving_supervisor,
    receiving_caseworker,
):
    import case_flows.work.selectors as work_selectors
    from tests.steps import approve, submit_assessment
    from workflows.queue import task_claim

    case = case_in_assessment
    submit_assessment(case, caseworker, risk="medium")
    approval_task = open_task(case, "approve_assessment")
    assert approval_task.pk in {t.pk for t in work_selectors.inbox_tasks(supervisor, tab="queue")}
    task_claim(task=approval_task, actor=supervisor)  # held by the sending supervisor
    transfer = transfers.transfer_request(
        case=case, actor=supervisor, to_office=other_office, reason="Moved"
    )
    transfers.transfer_accept(
        transfer=transfer, actor=receiving_supervisor, caseworker=receiving_caseworker
    )
    approval_task.refresh_from_db()
    assert approval_task.owner_id is None  # the queue follows the case's office and team
    queue = work_selectors.inbox_tasks(receiving_supervisor, tab="queue")
    assert approval_task.pk in {t.pk for t in queue}
    assert approval_task.pk not in {
        t.pk for t in work_selectors.inbox_tasks(supervisor, tab="queue")
    }
    approve(case, "approve_assessment", receiving_supervisor)
    case.refresh_from_db()
    assert case.stage == "planning"
    assert open_task(case, "plan").owner == receiving_caseworker


def test_transfer_pages_are_for_the_right_people(
    client, case_in_assessment, caseworker, supervisor, receiving_supervisor
):
    case = case_in_assessment
    client.force_login(caseworker)
    assert client.get(reverse("transfers_incoming")).status_code == 403
    page = client.get(reverse("case_transfer", args=[case.pk])).content.decode()
    assert "Transfer to another office" in page
    assert "Give the case to another caseworker" not in page  # the supervisor's choice
    client.force_login(supervisor)
    page = client.get(reverse("case_transfer", args=[case.pk])).content.decode()
    assert "Give the case to another caseworker" in page
    client.force_login(receiving_supervisor)
    assert client.get(reverse("case_transfer", args=[case.pk])).status_code == 404


def test_people_involved_are_told_of_a_request_and_a_decline(
    other_office, case_in_assessment, caseworker, receiving_supervisor
):
    case = case_in_assessment
    transfer = transfers.transfer_request(
        case=case, actor=caseworker, to_office=other_office, reason="Family moved"
    )
    asked = Notification.objects.get(recipient=receiving_supervisor, event="transfer_requested")
    assert asked.case_reference == case.reference
    assert asked.link == reverse("transfers_incoming")
    transfers.transfer_decline(transfer=transfer, actor=receiving_supervisor, reason="Not ours")
    declined = Notification.objects.get(recipient=caseworker, event="transfer_declined")
    assert declined.link == reverse("case_detail", args=[case.pk])
