"""An administrative decision (KPA) in the Polish office, through the pages: the caseworker
(in Polish) prepares it from the case page and submits it; the supervisor (in English) approves
it from the approvals list; the caseworker issues it (number, PDF among the case's
attachments) and records its delivery (the appeal deadline shows). Then the decision page at
phone width. axe-core checks every page."""

import re

import pytest
from django.utils import formats, timezone, translation
from playwright.sync_api import expect

from case_flows.decisions import services
from case_flows.models import AttachmentKind, Case, Decision, DecisionStatus

from .conftest import wider_than_screen

pytestmark = pytest.mark.browser


def _field(page, english: str, polish: str):
    """A form field by its whole label, either language (Django adds a colon)."""
    return page.get_by_label(re.compile(f"^({re.escape(english)}|{re.escape(polish)}):$"))


def _soc_case() -> Case:
    case = (
        Case.objects.filter(office__code="SOC", owner__username="pracownik")
        .exclude(stage="closed")
        .filter(is_restricted=False, anonymised_at__isnull=True, decisions__isnull=True)
        .order_by("pk")
        .first()
    )
    assert case is not None, "the demo gives the Polish caseworker open cases"
    return case


def test_a_decision_is_prepared_approved_issued_and_delivered(person, django_db_blocker):
    with django_db_blocker.unblock():
        case = _soc_case()
        today = timezone.localtime(timezone.now(), case.office.tzinfo).date()

    # The caseworker, in Polish, starts a decision from the case page.
    worker = person("pracownik", language="pl")
    worker.goto(f"/cases/{case.pk}/")
    worker.locator("#decisions").get_by_role("link", name="Przygotuj decyzję").click()
    worker.get_by_label("Rodzaj decyzji").select_option(
        label="Przyznanie usług opiekuńczych (z odpłatnością)"
    )
    worker.get_by_role("button", name="Rozpocznij projekt").click()
    expect(worker.get_by_text("Rozpoczęto projekt decyzji: uzupełnij go.")).to_be_visible()

    # The draft: the kind's legal basis is there already; what is granted, the reasoning.
    legal_basis = _field(worker, "Legal basis", "Podstawa prawna")
    expect(legal_basis).to_have_value(re.compile(r"art\. 50 ust\. 1, 2 i 6"))
    _field(worker, "Ruling", "Rozstrzygnięcie").fill(
        "Przyznaję usługi opiekuńcze w miejscu zamieszkania."
    )
    _field(worker, "Service", "Usługa").fill("Usługi opiekuńcze")
    _field(worker, "Hours", "Godziny").fill("10")
    _field(worker, "Hours per", "Godzin na").select_option("week")
    _field(worker, "Client's fee", "Odpłatność klienta").fill("12")
    _field(worker, "Fee per", "Odpłatność za").select_option("hour")
    _field(worker, "Currency", "Waluta").fill("PLN")
    _field(worker, "Period from", "Okres od").fill(f"{today.year + 1}-01-01")
    _field(worker, "Period until", "Okres do").fill(f"{today.year + 1}-06-30")
    _field(worker, "Reasoning", "Uzasadnienie").fill(
        "Strona po udarze wymaga pomocy w codziennych czynnościach."
    )
    worker.get_by_role("button", name="Przekaż do zatwierdzenia").click()
    expect(worker.get_by_text("Przekazano decyzję do zatwierdzenia.")).to_be_visible()
    with django_db_blocker.unblock():
        decision = Decision.objects.get(case=case)
    assert decision.status == DecisionStatus.AWAITING_APPROVAL
    assert decision.hours == 10 and decision.client_fee == 12 and decision.currency == "PLN"

    # The supervisor, in English, finds it among the approvals and approves it.
    supervisor = person("koordynator", language="en")
    supervisor.goto("/approvals/")
    row = (
        supervisor.get_by_role("row")
        .filter(has_text=case.reference)
        .filter(has_text="Administrative decision")
    )
    row.get_by_role("link", name="Review").click()
    expect(supervisor.get_by_text("Przyznaję usługi opiekuńcze").first).to_be_visible()
    supervisor.get_by_role("button", name="Approve").click()
    expect(supervisor.get_by_text(re.compile("Approved:"))).to_be_visible()

    # The caseworker finds it approved on the decision page, and issues it.
    detail = f"/cases/{case.pk}/decisions/{decision.pk}/"
    worker.goto(f"/cases/{case.pk}/")
    worker.locator("#decisions").get_by_role(
        "link", name="Przyznanie usług opiekuńczych (z odpłatnością)"
    ).click()
    expect(worker).to_have_url(re.compile(re.escape(detail) + "$"))
    facts = worker.locator("dl.facts")
    expect(facts).to_contain_text("Zatwierdzona, niewydana")
    worker.get_by_role("button", name="Wydaj", exact=True).click()
    with django_db_blocker.unblock():
        decision.refresh_from_db()
    assert decision.status == DecisionStatus.ISSUED
    assert re.fullmatch(rf"SOC\.\d+\.{today.year}", decision.number)
    expect(
        worker.get_by_text(f"Wydano decyzję {decision.number}; plik PDF dołączono do sprawy.")
    ).to_be_visible()
    expect(facts).to_contain_text("Wydana")
    expect(facts).to_contain_text(decision.number)

    # The PDF is among the case's attachments.
    with django_db_blocker.unblock():
        document = decision.document
    assert document.kind == AttachmentKind.DECISION and document.case_id == case.pk
    worker.goto(f"/cases/{case.pk}/")
    expect(
        worker.locator("#attachments").get_by_role("link", name=document.original_name)
    ).to_be_visible()

    # Delivery today: the appeal deadline shows.
    worker.goto(detail)
    _field(worker, "Delivered on", "Data doręczenia").fill(today.isoformat())
    worker.get_by_role("button", name="Zapisz doręczenie").click()
    expect(worker.get_by_text("Zapisano doręczenie.")).to_be_visible()
    with django_db_blocker.unblock():
        decision.refresh_from_db()
        last_day = services.appeal_period_end(decision)
    assert decision.status == DecisionStatus.DELIVERED and decision.delivered_on == today
    assert last_day is not None and (last_day - today).days >= 14
    with translation.override("pl"):
        shown = formats.date_format(last_day, "SHORT_DATE_FORMAT")
    expect(worker.get_by_text(f"Odwołanie można wnieść do {shown}")).to_be_visible()

    # The decision page on a phone: nothing wider than the screen.
    phone = person("pracownik", width=375, language="pl")
    phone.goto(detail)
    expect(phone.locator("dl.facts")).to_contain_text(decision.number)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert wider_than_screen(phone) == []
