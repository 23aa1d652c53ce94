"""PDF generation (PERFORMANCE.md: a case record sheet or a decision, <= 1 s per document).

A Polish office (Polish letters, the letterhead) and one case walked through its services as
far as follow-up (intake, assessment, plan, referrals: bench.transition_queries' steps), with
an issued decision (prepared, approved, issued through the decision services). Each document
is timed from the case to the PDF's bytes, as the services make it:

- record sheet: `case_variables` + `render_html` + `html_to_pdf`, the part of
  `document_generate` that it times itself (`GeneratedDocument.render_ms`; storing the file
  and the timeline event are left out, so nothing accumulates);
- decision: `decision_pdf` of the issued decision (what `decision_issue` renders).

Its own database (the office is new each run), never the national dataset:

    python -m bench.scenarios.pdf --database-url postgres://postgres@127.0.0.1:5432/x --runs 20
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.scenarios.common import _log, _run_in_own_database, _summary

PDF_DATABASE = "caseflow_bench_harness_pdf"


# --- in the bench (bench.run) ----------------------------------------------------------------
def pdf_scenario(url: str, **options) -> dict:
    """The harness below in a subprocess, on its own database on `url`'s server."""
    return _run_in_own_database("bench.scenarios.pdf", url, PDF_DATABASE, **options)


# --- the harness (its own process and database) ----------------------------------------------
def _polish_case():
    """A Polish office with its letterhead, and its case at follow-up with an issued decision."""
    from accounts.models import Jurisdiction, Office
    from bench import transition_queries as steps
    from case_flows.decisions import services as decisions
    from case_flows.models import DecisionKind, OfficeLetterhead

    world = steps.build_world(uuid.uuid4().hex[:8])
    Office.objects.filter(pk=world.office.pk).update(
        jurisdiction=Jurisdiction.POLAND,
        timezone="Europe/Warsaw",
        name="Miejski Ośrodek Pomocy",
        default_language="pl",
    )
    world.office.refresh_from_db()
    OfficeLetterhead.objects.create(
        office=world.office,
        name="Miejski Ośrodek Pomocy Społecznej w Sochaczewie",
        address="ul. Główna 1\n96-500 Sochaczew",
    )
    steps.open_case(world)
    for _kind, step in steps.COMPLETIONS[:8]:  # allocation ... the first follow-up
        steps.fresh_users(world)
        step(world)()
    world.case.refresh_from_db()

    kind = DecisionKind.objects.get(jurisdiction="PL", code="care-grant")
    decision = decisions.decision_start(case=world.case, actor=world.caseworker, kind=kind)
    decisions.decision_submit(
        task=steps._page_task(world, "prepare_decision", world.caseworker),
        actor=world.caseworker,
        ruling="Przyznaję usługi opiekuńcze w miejscu zamieszkania w zakresie pomocy w "
        "codziennych czynnościach, pielęgnacji i kontaktach z otoczeniem.",
        service="Usługi opiekuńcze",
        hours=Decimal("10"),
        hours_per="week",
        client_fee=Decimal("12"),
        client_fee_per="hour",
        currency="PLN",
        period_from=world.case.opened_at.date(),
        period_to=world.case.opened_at.date() + timedelta(days=182),
        reasoning="Strona po udarze wymaga pomocy w codziennych czynnościach. Wywiad "
        "środowiskowy potwierdził brak możliwości zapewnienia pomocy przez rodzinę.\n" * 3,
        preparer_position="pracownik socjalny",
        signer_position="Kierownik MOPS",
    )
    steps.fresh_users(world)
    steps._approve("approve_decision")(world)()
    decision.refresh_from_db()
    decisions.decision_issue(decision=decision, actor=world.caseworker)
    return world, decision.pk


def _record_sheet(case, actor, template) -> bytes:
    from case_flows.documents.generation import render_html
    from case_flows.documents.pdf import html_to_pdf
    from case_flows.documents.variables import case_variables

    variables = case_variables(case, language=template.language, author=actor)
    rendered = render_html(
        template.body, variables, language=template.language, title=template.name
    )
    return html_to_pdf(rendered.html)


def _decision(decision_id: int) -> bytes:
    from case_flows.decisions.document import decision_pdf
    from case_flows.models import Decision

    decision = Decision.objects.select_related(
        "case__office", "case__person", "kind", "prepared_by", "approved_by"
    ).get(pk=decision_id)
    return decision_pdf(decision)


def harness(*, runs: int, warmup: int) -> dict:
    from accounts.models import User
    from case_flows.documents.generation import template_for
    from case_flows.models import Case

    world, decision_id = _polish_case()

    def record_sheet(language: str) -> Callable[[], bytes]:
        template = template_for(world.office, "case-record-sheet", language)
        if template is None:
            raise RuntimeError(f"no case record sheet template in {language}")
        # the case and the author read afresh for each document, as each request reads them
        return lambda: _record_sheet(
            Case.objects.select_related("office", "person").get(pk=world.case.pk),
            User.objects.get(pk=world.caseworker.pk),
            template,
        )

    documents: dict[str, Callable[[], bytes]] = {
        "record_sheet_pl": record_sheet("pl"),
        "record_sheet_en": record_sheet("en"),
        "decision": lambda: _decision(decision_id),
    }
    result: dict = {"case": world.case.reference, "documents": {}}
    for name, make in documents.items():
        _log(f"pdf: {name}, {runs} documents")
        for _ in range(warmup):  # the first loads Pango and the fonts (~0.3 s once a process)
            make()
        samples, size = [], 0
        for _ in range(runs):
            began = time.perf_counter()
            pdf = make()
            samples.append((time.perf_counter() - began) * 1000)
            size = len(pdf)
            if not pdf.startswith(b"%PDF"):
                raise RuntimeError(f"{name} is not a PDF")
        result["documents"][name] = {**_summary(samples), "pdf_kb": round(size / 1024, 1)}
    worst = max(result["documents"].values(), key=lambda d: d["p95_ms"])
    result["pdf_document_ms_p95"] = worst["p95_ms"]
    result["pdf_document_ms_median"] = max(d["median_ms"] for d in result["documents"].values())
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result["what"] = (
        "the worse p95 of: the record sheet (Polish and English, the office's letterhead) and "
        "an issued care-grant decision; from the case to the PDF's bytes"
    )
    return result


def main(argv=None) -> dict:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=urlunsplit(
            urlsplit(
                os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/caseflow"
            )._replace(path=f"/{PDF_DATABASE}")
        ),
        help="its own database (created and migrated; an office is added each run)",
    )
    parser.add_argument("--runs", type=int, default=20, help="documents of each kind")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--output", help="write the result here as JSON (else stdout)")
    args = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from bench import _env

    _env.setup(args.database_url)
    result = harness(runs=args.runs, warmup=args.warmup)
    text = json.dumps(result, indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return result


if __name__ == "__main__":
    main()
