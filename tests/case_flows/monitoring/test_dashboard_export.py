"""Exports of the dashboard's case lists: CSV and XLSX, streamed, the same rows in the same
order as the page, within scope, and one ExportLog row each."""

import csv
import datetime
import io

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from case_flows.models import ExportLog
from case_flows.monitoring.export import late_days

from .dashboard_fixtures import NOW, at, open_case


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def screen_rows(client, query) -> list[list]:
    """Every row of the on-screen list, page after page."""
    rows, number = [], 1
    while True:
        response = client.get(f"{reverse('dashboard_cases')}?{query}&page={number}")
        page = response.context["page"]
        for case in page.object_list:
            rows.append(
                [
                    case.reference,
                    str(case.person),
                    case.get_stage_display(),
                    case.get_risk_display(),
                    str(case.owner) if case.owner else "",
                    case.opened_at.date().isoformat(),
                    "Yes" if case.is_overdue else "No",
                ]
                # lists of overdue work end with how late, in days (the page shows words)
                + ([str(late_days(case.overdue_since, NOW))] if response.context["late"] else [])
            )
        if not page.has_next():
            return rows
        number += 1


def export(client, query, fmt):
    response = client.get(f"{reverse('dashboard_export')}?{query}&format={fmt}")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    return response, b"".join(response.streaming_content)


def csv_rows(content: bytes) -> list[list]:
    text = content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    rows = []
    for row in sheet.iter_rows(values_only=True):
        row = list(row)
        if isinstance(row[5], datetime.datetime):
            row[5] = row[5].date().isoformat()
        rows.append(["" if v is None else v for v in row])
    return rows


@pytest.fixture
def more_cases(time_machine, world):
    """30 more open cases, so the list has two pages."""
    for i in range(30):
        open_case(
            time_machine,
            at(5, 1) + i * datetime.timedelta(hours=1),
            office=world.office,
            actor=world.cw,
            family=f"Page{i}",
        )
    time_machine.move_to(NOW, tick=False)


HEADER = ["Reference", "Client", "Stage", "Risk", "Caseworker", "Opened", "Overdue"]


def test_csv_export_matches_the_list_and_is_logged(world, more_cases):
    client = client_for(world.manager)
    query = "figure=open&date_from=2026-01-01&date_to=2026-06-15"
    expected = screen_rows(client, query)
    assert len(expected) == 34
    response, content = export(client, query, "csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = csv_rows(content)
    assert rows[0] == HEADER
    assert rows[1:] == expected
    log = ExportLog.objects.get()
    assert (log.user, log.format, log.figure, log.row_count) == (world.manager, "csv", "open", 34)
    assert log.filters["date_from"] == "2026-01-01" and log.filters["office_id"] is None


def test_xlsx_export_matches_the_list_and_is_logged(world, more_cases):
    client = client_for(world.manager)
    query = "figure=age&bucket=31-90"
    expected = screen_rows(client, query)
    response, content = export(client, query, "xlsx")
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    rows = xlsx_rows(content)
    assert rows[0] == HEADER
    assert rows[1:] == expected
    log = ExportLog.objects.get()
    assert (log.format, log.figure, log.row_count) == ("xlsx", "age", len(expected))
    assert log.filters["params"] == {"bucket": "31-90"}


def test_export_stays_within_scope(world):
    _, content = export(client_for(world.sup), "figure=open", "csv")
    references = [row[0] for row in csv_rows(content)[1:]]
    assert references == [world.c2.reference, world.c1.reference]
    _, content = export(client_for(world.national), "figure=escalations", "csv")
    assert [row[0] for row in csv_rows(content)[1:]] == [world.c3.reference, world.c1.reference]


def test_export_of_a_figure_with_a_filter(world):
    client = client_for(world.manager)
    query = f"figure=overdue_tasks&owner={world.cw.pk}"
    expected = screen_rows(client, query)
    _, content = export(client, query, "csv")
    assert (
        csv_rows(content)[1:]
        == expected
        == [
            [
                world.c2.reference,
                "Ama Two",
                "Planning",
                "Medium",
                "Akosua",
                "2026-04-01",
                "Yes",
                "1.0",
            ]
        ]
    )


def test_spreadsheet_formulas_in_names_are_defused(world, time_machine):
    case = open_case(
        time_machine, at(6, 1), office=world.office, actor=world.cw, given="=HYPERLINK(1)"
    )
    time_machine.move_to(NOW, tick=False)
    _, content = export(client_for(world.manager), "figure=open_stage&stage=intake", "csv")
    names = {row[0]: row[1] for row in csv_rows(content)[1:]}
    assert names[case.reference] == "'=HYPERLINK(1) Owusu"
    assert names[world.c4.reference] == "Ama Four"


@pytest.mark.parametrize(
    "query", ["figure=open&format=pdf", "figure=nonsense&format=csv", "format=xlsx"]
)
def test_bad_export_requests_are_refused_without_a_log(world, query):
    response = client_for(world.manager).get(f"{reverse('dashboard_export')}?{query}")
    assert response.status_code == 400
    assert not ExportLog.objects.exists()


def test_caseworker_cannot_export(world):
    response = client_for(world.cw).get(f"{reverse('dashboard_export')}?figure=open&format=csv")
    assert response.status_code == 403
    assert not ExportLog.objects.exists()
