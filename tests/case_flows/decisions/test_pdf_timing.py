"""How long issuing spends on the decision's PDF: render it and store it as an attachment,
warm, median of five (printed; `-s` shows it). The bound is loose: it catches a template or
font change that makes issuing slow, not a slow machine."""

import statistics
import time

from django.core.files.base import ContentFile

from case_flows.decisions import services
from case_flows.decisions.document import decision_pdf
from case_flows.documents.services import attachment_create
from case_flows.models import AttachmentKind

from .conftest import approved_decision

RUNS = 5


def test_decision_pdf_render_and_store_time(case, pracownik, kierownik):
    decision = services.decision_issue(
        decision=approved_decision(case, pracownik, kierownik), actor=pracownik
    )

    def render_and_store() -> bytes:
        pdf = decision_pdf(decision)
        attachment_create(
            actor=pracownik,
            case=case,
            person=case.person,
            kind=AttachmentKind.DECISION,
            file=ContentFile(pdf),
            name=f"decision-{decision.number}.pdf",
        )
        return pdf

    render_and_store()  # warm: fonts, templates
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        pdf = render_and_store()
        times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    print(f"\ndecision PDF render + store: median {median:.0f} ms of {RUNS} ({len(pdf)} bytes)")
    assert pdf.startswith(b"%PDF")
    assert median < 5000
