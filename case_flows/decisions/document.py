"""The PDFs of a decision and of a KPA art. 36 notice, in the office's language, through
case_flows.documents.pdf.html_to_pdf."""

from django.template.loader import render_to_string
from django.utils import translation

from ..documents.pdf import html_to_pdf
from ..models import Decision, DelayNotice


def _language(office) -> str:
    return office.default_language or "en"


def decision_html(decision: Decision) -> str:
    case = decision.case
    with translation.override(_language(case.office)):
        return render_to_string(
            "case_flows/decisions/decision_pdf.html",
            {"decision": decision, "kind": decision.kind, "case": case},
        )


def decision_pdf(decision: Decision) -> bytes:
    return html_to_pdf(decision_html(decision))


def delay_notice_pdf(notice: DelayNotice) -> bytes:
    case = notice.case
    with translation.override(_language(case.office)):
        html = render_to_string(
            "case_flows/decisions/delay_notice_pdf.html", {"notice": notice, "case": case}
        )
    return html_to_pdf(html)
