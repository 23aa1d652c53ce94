"""A decision from draft to final through the services: the caseworker's task, the
supervisor's gate (maker-checker), issue with the KPA art. 107 check and its PDF, the KPA
decision deadline, delivery, the appeal period (art. 57), the appeal and its answer."""

import datetime
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from pypdf import PdfReader

from case_flows.decisions import services
from case_flows.models import CaseEvent, Decision, DecisionStatus, EventKind
from case_flows.work.selectors import approvals_pending_for, inbox_tasks
from tests.steps import approve, complete_intake, open_task, submit_assessment
from workflows.errors import Conflict, NotPermitted
from workflows.sla.models import SlaClock
from workflows.sla.sweep import sla_sweep

from .conftest import CONTENT, approved_decision, care_kind


def appeal_clock(decision):
    return SlaClock.objects.get(
        subject_type=ContentType.objects.get_for_model(Decision), subject_id=decision.pk
    )


def decision_clock(case):
    return SlaClock.objects.get(subject_id=case.pk, kind="stage", name="decision")


def pdf_text(decision) -> str:
    with decision.document.file.open("rb") as f:
        reader = PdfReader(io.BytesIO(f.read()))
    # words only: the PDF breaks lines where the page does
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_preparing_is_the_caseworkers_task_and_approving_the_supervisors(
    case, pracownik, kierownik
):
    decision = services.decision_start(case=case, actor=pracownik, kind=care_kind())
    assert decision.legal_basis.startswith("art. 50")  # the kind's default, editable
    assert "Miejski Ośrodek Pomocy Społecznej" in decision.appeal_instruction
    task = open_task(case, "prepare_decision")
    assert task in inbox_tasks(pracownik, tab="mine")

    # An incomplete draft is not submitted: each missing element is named.
    with pytest.raises(services.DecisionError) as refused:
        services.decision_submit(task=task, actor=pracownik, ruling="")
    message = str(refused.value)
    for element in ("the ruling", "the service and its hours", "the reasoning"):
        assert element in message
    assert open_task(case, "prepare_decision") == task  # nothing changed

    services.decision_submit(task=task, actor=pracownik, **CONTENT)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.AWAITING_APPROVAL
    approval = open_task(case, "approve_decision").approval
    assert approval.kind == "decision" and approval.record_id == decision.pk
    assert approval in approvals_pending_for(kierownik)
    assert approval not in approvals_pending_for(pracownik)  # never one's own

    # Maker-checker: the preparer cannot approve.
    from workflows.approvals.services import approval_decide

    with pytest.raises(NotPermitted):
        approval_decide(approval=approval, actor=pracownik, approve=True, comment="")

    # Returned: a draft again, back in the caseworker's preparation task.
    approve(case, "approve_decision", kierownik, approve=False, comment="Podaj godziny")
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DRAFT
    services.decision_submit(task=open_task(case, "prepare_decision"), actor=pracownik, **CONTENT)
    approve(case, "approve_decision", kierownik)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED
    assert decision.approved_by == kierownik and decision.prepared_by == pracownik
    assert decision.signer_name == "Anna Nowak"  # the approver signs unless named
    steps = list(
        CaseEvent.objects.filter(case=case, kind=EventKind.DECISION).values_list(
            "transition", flat=True
        )
    )
    assert steps == ["decision_started", "decision_returned", "decision_approved"]


def test_issue_numbers_renders_every_art_107_element_and_stops_the_kpa_clock(
    case, pracownik, kierownik
):
    # The KPA deadline does not stop at the assessment's approval any more ...
    complete_intake(case, pracownik)
    submit_assessment(case, pracownik)
    approve(case, "approve_assessment", kierownik)
    assert decision_clock(case).status == "running"

    decision = approved_decision(case, pracownik, kierownik)
    assert decision_clock(case).status == "running"
    services.decision_issue(decision=decision, actor=pracownik)
    decision.refresh_from_db()
    # ... but at the issue of a decision.
    assert decision_clock(case).status == "met"
    assert decision.status == DecisionStatus.ISSUED
    assert decision.number == "MOPS.1.2026" and decision.issued_on == datetime.date(2026, 3, 5)
    assert decision.document.kind == "decision" and decision.document.content_type == (
        "application/pdf"
    )

    text = pdf_text(decision)
    for element in (
        "Miejski Ośrodek Pomocy Społecznej",  # the authority
        "Date of issue",  # the date
        "Jan Wiśniewski",  # the party
        "Legal basis",
        "art. 50 ust. 1, 2 i 6",
        "Ruling",
        "Przyznaję usługi opiekuńcze",
        "Reasoning",
        "po udarze",
        "Instruction on appeal",
        "Samorządowego Kolegium Odwoławczego",
        "14 dni od dnia jej doręczenia",
        "Anna Nowak",  # the signature
        "Kierownik MOPS",
        "signed electronically",
        "MOPS.1.2026",
    ):
        assert element in text, element

    # Issued once: a second click is a conflict.
    with pytest.raises(Conflict):
        services.decision_issue(decision=decision, actor=pracownik)


def test_an_incomplete_decision_is_not_issued_and_each_missing_element_is_named(
    case, pracownik, kierownik
):
    decision = approved_decision(case, pracownik, kierownik)
    # Emptied after approval (an imported or edited record): the issue checks again.
    Decision.objects.filter(pk=decision.pk).update(
        legal_basis="", reasoning="", appeal_instruction="", signer_position="", ruling=""
    )
    with pytest.raises(services.DecisionError) as refused:
        services.decision_issue(decision=decision, actor=pracownik)
    message = str(refused.value)
    for element in (
        "the legal basis",
        "the ruling",
        "the reasoning",
        "the instruction on appeal",
        "the signature",
    ):
        assert element in message, element
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPROVED and decision.number == ""
    assert decision.document is None


def test_appeal_period_runs_14_calendar_days_with_art_57_then_the_decision_is_final(
    case, pracownik, kierownik, time_machine
):
    decision = approved_decision(case, pracownik, kierownik)
    services.decision_issue(decision=decision, actor=pracownik)
    time_machine.move_to(datetime.datetime(2026, 3, 9, 9, tzinfo=datetime.UTC), tick=False)
    # Delivered on Saturday 7 March: day 14 is Saturday 21 March, so the period ends on
    # Monday 23 March (KPA art. 57 § 4).
    services.decision_deliver(
        decision=decision, actor=pracownik, delivered_on=datetime.date(2026, 3, 7)
    )
    clock = appeal_clock(decision)
    assert clock.policy.key == "pl-kpa-odwolanie"
    assert services.appeal_period_end(decision) == datetime.date(2026, 3, 23)

    time_machine.move_to(datetime.datetime(2026, 3, 23, 20, tzinfo=datetime.UTC), tick=False)
    sla_sweep()  # 21:00 in Warsaw on the last day: still open to appeal
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.DELIVERED

    time_machine.move_to(datetime.datetime(2026, 3, 24, 6, tzinfo=datetime.UTC), tick=False)
    sla_sweep()
    decision.refresh_from_db()
    clock.refresh_from_db()
    assert decision.status == DecisionStatus.FINAL
    assert decision.final_on == datetime.date(2026, 3, 24)
    assert clock.status == "met" and not clock.breached  # the party's period, not a breach
    assert CaseEvent.objects.filter(case=case, transition="decision_final").count() == 1
    sla_sweep()  # a second sweep changes nothing
    assert CaseEvent.objects.filter(case=case, transition="decision_final").count() == 1


def test_an_appeal_pauses_the_decision_until_the_appeal_body_answers(
    case, pracownik, kierownik, time_machine
):
    decision = approved_decision(case, pracownik, kierownik)
    services.decision_issue(decision=decision, actor=pracownik)
    services.decision_deliver(
        decision=decision, actor=pracownik, delivered_on=datetime.date(2026, 3, 5)
    )
    time_machine.move_to(datetime.datetime(2026, 3, 12, 9, tzinfo=datetime.UTC), tick=False)
    with pytest.raises(services.DecisionError):  # not before delivery
        services.decision_appeal(
            decision=decision, actor=pracownik, lodged_on=datetime.date(2026, 3, 1)
        )
    services.decision_appeal(
        decision=decision, actor=pracownik, lodged_on=datetime.date(2026, 3, 11)
    )
    clock = appeal_clock(decision)
    assert clock.status == "paused"
    assert clock.pauses.get().reason == "waiting_appeal_body"

    time_machine.move_to(datetime.datetime(2026, 4, 30, 9, tzinfo=datetime.UTC), tick=False)
    sla_sweep()  # long past the period: still waiting for the appeal body
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.APPEALED and decision.final_on is None

    with pytest.raises(services.DecisionError):
        services.decision_appeal_answer(
            decision=decision,
            actor=pracownik,
            outcome="maybe",
            answered_on=datetime.date(2026, 4, 29),
        )
    services.decision_appeal_answer(
        decision=decision,
        actor=pracownik,
        outcome="upheld",
        answered_on=datetime.date(2026, 4, 29),
    )
    decision.refresh_from_db()
    clock.refresh_from_db()
    assert decision.status == DecisionStatus.FINAL
    assert decision.final_on == datetime.date(2026, 4, 29)
    assert clock.status == "met" and clock.pauses.get().ended_at is not None
    with pytest.raises(Conflict):  # answered once
        services.decision_appeal_answer(
            decision=decision,
            actor=pracownik,
            outcome="overturned",
            answered_on=datetime.date(2026, 4, 29),
        )


def test_sent_back_on_appeal_the_kpa_deadline_runs_again(case, pracownik, kierownik):
    decision = approved_decision(case, pracownik, kierownik)
    services.decision_issue(decision=decision, actor=pracownik)
    services.decision_deliver(
        decision=decision, actor=pracownik, delivered_on=datetime.date(2026, 3, 5)
    )
    services.decision_appeal(
        decision=decision, actor=pracownik, lodged_on=datetime.date(2026, 3, 5)
    )
    services.decision_appeal_answer(
        decision=decision,
        actor=pracownik,
        outcome="sent_back",
        answered_on=datetime.date(2026, 3, 5),
    )
    assert SlaClock.objects.filter(
        subject_id=case.pk, kind="stage", name="decision", status="running"
    ).exists()
