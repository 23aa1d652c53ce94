"""A decision never gets stuck for want of a signer (the approver signs with their name and
the label of their role; an approved decision missing its signer is completed on its page),
the Polish instruction on appeal needs no declension of the office's name, the fee and hours
carry their units, and a date in a refusal is written in the reader's language."""

import datetime
import io

from django.urls import reverse
from django.utils import formats, translation
from pypdf import PdfReader

from case_flows.decisions import services
from case_flows.models import Decision, DecisionStatus
from tests.steps import approve, open_task

from .conftest import CONTENT, approved_decision, care_kind


def pdf_text(decision) -> str:
    with decision.document.file.open("rb") as f:
        reader = PdfReader(io.BytesIO(f.read()))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_without_a_named_signer_the_approver_signs_with_name_and_position(
    case, pracownik, kierownik
):
    case.office.default_language = "pl"
    case.office.save(update_fields=["default_language"])
    decision = approved_decision(case, pracownik, kierownik, signer_position="")
    assert (decision.signer_name, decision.signer_position) == ("Anna Nowak", "Koordynator")
    services.decision_issue(decision=decision, actor=pracownik)
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.ISSUED
    text = pdf_text(decision)
    assert "Anna Nowak Koordynator" in text
    # Units: hours without decimals and "h", the fee with its currency.
    assert "10 h tygodniowo" in text and "12,00 PLN za godzinę" in text


def test_an_approved_decision_missing_its_signer_is_completed_on_its_page(
    client, case, pracownik, kierownik
):
    decision = approved_decision(case, pracownik, kierownik)
    Decision.objects.filter(pk=decision.pk).update(signer_position="")  # e.g. an old record
    url = reverse("decision_detail", args=[case.pk, decision.pk])

    client.force_login(pracownik)  # not the approver: told whom to ask
    page = client.get(url).content.decode()
    assert "Ask its approver or a supervisor" in page and 'value="sign"' not in page
    assert client.post(url, {"action": "issue"}).status_code == 400

    client.force_login(kierownik)
    page = client.get(url).content.decode()
    assert 'value="sign"' in page and "Anna Nowak" in page  # prefilled with what is known
    assert client.post(url, {"action": "sign", "signer_name": "Anna Nowak"}).status_code == 400
    signed = client.post(
        url, {"action": "sign", "signer_name": "Anna Nowak", "signer_position": "Kierownik"}
    )
    assert signed.status_code == 302
    client.force_login(pracownik)
    assert client.post(url, {"action": "issue"}).status_code == 302
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.ISSUED
    assert "Anna Nowak Kierownik" in pdf_text(decision)


def test_the_instruction_on_appeal_needs_no_declension_of_the_office_name(case, pracownik):
    decision = services.decision_start(case=case, actor=pracownik, kind=care_kind())
    assert (
        "za pośrednictwem organu, który wydał decyzję (Miejski Ośrodek Pomocy Społecznej),"
        " w terminie 14 dni" in decision.appeal_instruction
    )
    assert "za pośrednictwem Miejski" not in decision.appeal_instruction


def test_units_on_the_page_use_the_offices_currency_when_none_is_given(
    client, case, pracownik, kierownik
):
    decision = services.decision_start(case=case, actor=pracownik, kind=care_kind())
    services.decision_submit(
        task=open_task(case, "prepare_decision"),
        actor=pracownik,
        **{**CONTENT, "currency": "", "client_fee": 5, "hours": 10},
    )
    approve(case, "approve_decision", kierownik)
    client.force_login(pracownik)
    page = client.get(reverse("decision_detail", args=[case.pk, decision.pk])).content.decode()
    assert "10 h per week" in page and "5.00 PLN per hour" in page


def test_a_date_in_a_refusal_is_written_in_the_readers_language(case, pracownik, kierownik):
    decision = approved_decision(case, pracownik, kierownik)
    services.decision_issue(decision=decision, actor=pracownik)
    for language, written in (("pl", "05.03.2026"), ("en", None)):
        with translation.override(language):
            written = written or formats.date_format(datetime.date(2026, 3, 5))
            try:
                services.decision_deliver(
                    decision=decision, actor=pracownik, delivered_on=datetime.date(2026, 3, 4)
                )
            except services.DecisionError as refused:
                message = str(refused)
            assert written in message and "2026-03-05" not in message, message
