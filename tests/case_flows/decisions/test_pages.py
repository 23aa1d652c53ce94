"""The decision pages end to end (start, prepare, approve, issue, deliver, appeal, answer),
their refusals (400 bad input, 409 illegal move), and the KPA art. 36 notice prepared when
the decision deadline breaches."""

import datetime

from django.urls import reverse

from case_flows.models import Decision, DecisionStatus, DelayNotice
from tests.steps import open_task
from workflows.sla.models import SlaClock
from workflows.sla.sweep import sla_sweep

from .conftest import CONTENT, care_kind


def _draft_post(**extra):
    """What the page posts: the draft's fields, the prefilled texts included."""
    kind = care_kind()
    data = {
        "legal_basis": kind.legal_basis,
        "appeal_instruction": kind.appeal_instruction,
        **CONTENT,
    }
    data.update(extra)
    return {k: ("" if v is None else v) for k, v in data.items()}


def test_a_decision_through_its_pages(client, case, pracownik, kierownik):
    client.force_login(pracownik)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Prepare a decision" in page

    started = client.post(reverse("case_decisions", args=[case.pk]), {"kind": care_kind().pk})
    task = open_task(case, "prepare_decision")
    assert started.status_code == 302 and started.url == reverse("task", args=[task.pk])
    form = client.get(started.url).content.decode()
    assert "Legal basis" in form and "art. 50 ust. 1, 2 i 6" in form

    # Save a half-written draft; submitting it is refused with what is missing.
    half = {"legal_basis": care_kind().legal_basis, "ruling": "Przyznaję"}
    saved = client.post(started.url, {"action": "save_draft", **half})
    assert saved.status_code == 302 and saved.url == started.url
    decision = Decision.objects.get(case=case)
    assert decision.ruling == "Przyznaję" and decision.status == DecisionStatus.DRAFT
    refused = client.post(started.url, half)
    assert refused.status_code == 400
    assert "the service and its hours" in refused.content.decode()
    bad = client.post(started.url, _draft_post(period_to="2026-01-01"))
    assert bad.status_code == 400 and "cannot end before it starts" in bad.content.decode()
    assert client.post(started.url, _draft_post()).status_code == 302

    # The supervisor decides on the approvals page.
    client.force_login(kierownik)
    approvals = client.get(reverse("approvals")).content.decode()
    assert "Administrative decision" in approvals
    approval = open_task(case, "approve_decision").approval
    detail = client.get(reverse("approval_detail", args=[approval.pk])).content.decode()
    assert "Przyznaję usługi opiekuńcze" in detail
    assert (
        client.post(
            reverse("approval_detail", args=[approval.pk]), {"decision": "approve"}
        ).status_code
        == 302
    )

    # The caseworker issues, records delivery, the appeal and the answer.
    client.force_login(pracownik)
    url = reverse("decision_detail", args=[case.pk, decision.pk])
    issued = client.post(url, {"action": "issue"})
    assert issued.status_code == 302
    again = client.post(url, {"action": "issue"})
    assert again.status_code == 409 and "Nothing was changed" in again.content.decode()
    future = client.post(url, {"action": "deliver", "delivered_on": "2026-12-01"})
    assert future.status_code == 400 and "cannot be in the future" in future.content.decode()
    assert client.post(url, {"action": "deliver", "delivered_on": ""}).status_code == 400
    assert client.post(url, {"action": "deliver", "delivered_on": "2026-03-05"}).status_code == 302
    assert client.post(url, {"action": "appeal", "lodged_on": "2026-03-05"}).status_code == 302
    answered = client.post(
        url, {"action": "answer", "outcome": "overturned", "answered_on": "2026-03-05"}
    )
    assert answered.status_code == 302
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.OVERTURNED and decision.number == "MOPS.1.2026"
    shown = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "MOPS.1.2026" in shown and "Overturned on appeal" in shown
    timeline = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Decision issued" in timeline


def test_a_breached_decision_deadline_prepares_the_art_36_notice(
    client, case, pracownik, time_machine
):
    clock = SlaClock.objects.get(subject_id=case.pk, kind="stage", name="decision")
    time_machine.move_to(clock.due_at + datetime.timedelta(hours=1), tick=False)
    sla_sweep()
    sla_sweep()  # twice: still one notice
    notice = DelayNotice.objects.get(case=case)
    assert notice.status == "draft" and notice.clock == clock

    client.force_login(pracownik)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Complete and send the notice" in page
    url = reverse("delay_notice", args=[case.pk, notice.pk])
    today = datetime.date(2026, 4, 6)
    missing = client.post(url, {"reason": "", "new_date": "", "signer_name": "A"})
    assert missing.status_code == 400
    past = client.post(
        url,
        {
            "reason": "Czekamy na opinię lekarza",
            "new_date": today.isoformat(),
            "signer_name": "Anna Nowak",
            "signer_position": "Kierownik MOPS",
        },
    )
    assert past.status_code == 400 and "after today" in past.content.decode()
    sent = client.post(
        url,
        {
            "reason": "Czekamy na opinię lekarza",
            "new_date": "2026-04-30",
            "signer_name": "Anna Nowak",
            "signer_position": "Kierownik MOPS",
        },
    )
    assert sent.status_code == 302
    notice.refresh_from_db()
    assert notice.status == "sent" and notice.document.content_type == "application/pdf"
    assert (
        client.post(
            url,
            {"reason": "x", "new_date": "2026-05-30", "signer_name": "A", "signer_position": "B"},
        ).status_code
        == 409
    )
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Complete and send the notice" not in page and "KPA art. 36 notice sent" in page
