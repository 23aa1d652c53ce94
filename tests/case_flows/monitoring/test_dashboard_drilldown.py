"""The dashboard's drill-down lists as a manager reads them: the title and subtitle say in
words what was chosen (never raw parameters), lists of overdue work say how late each case
is and put the latest first, the exports carry the same column, and the page is in the
user's language (issue #13, item 10 and the Polish leftovers)."""

import csv
import datetime
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from case_flows.monitoring import figures as views_dashboard
from workflows.sla.models import SlaClock

from .dashboard_fixtures import NOW

DAY = datetime.timedelta(days=1)


@pytest.fixture(scope="module")
def module_world(module_world, django_db_blocker):
    """The world (conftest.py), once for the module, with the lateness these tests read."""
    world = module_world
    with django_db_blocker.unblock():
        # c2's plan task is 20 days late, c4's allocation 1 day: c4 was opened first, so an
        # "oldest first" list would put it first.
        SlaClock.objects.filter(subject_id=world.c2.pk, breached=True).update(due_at=NOW - 20 * DAY)
        SlaClock.objects.filter(subject_id=world.c4.pk, breached=True, status="running").update(
            due_at=NOW - DAY - datetime.timedelta(hours=3)
        )
    return world


def client_for(user, language=None) -> Client:
    if language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    client = Client()
    client.force_login(user)
    return client


def cases_page(client, query):
    response = client.get(f"{reverse('dashboard_cases')}?{query}")
    assert response.status_code == 200
    return response, response.content.decode()


@pytest.mark.parametrize("figure", ["overdue_tasks", "overdue_cases"])
def test_overdue_lists_say_how_late_and_put_the_latest_first(world, figure):
    response, body = cases_page(client_for(world.manager), f"figure={figure}")
    rows = [(c.reference, c.late_text) for c in response.context["page"].object_list]
    assert rows == [
        (world.c2.reference, "20 days"),
        (world.c4.reference, "1 day 3 hours"),
    ]
    assert "<th>Overdue by</th>" in body and "20 days" in body


def test_other_lists_have_no_lateness_column(world):
    _response, body = cases_page(client_for(world.manager), "figure=open")
    assert "Overdue by" not in body


def test_exports_carry_the_lateness_in_the_same_order(world):
    client = client_for(world.manager)
    url = f"{reverse('dashboard_export')}?figure=overdue_tasks"
    content = b"".join(client.get(url + "&format=csv").streaming_content)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][-1] == "Overdue by (days)"
    assert [(r[0], r[-1]) for r in rows[1:]] == [
        (world.c2.reference, "20.0"),
        (world.c4.reference, "1.1"),
    ]
    content = b"".join(client.get(url + "&format=xlsx").streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][-1] == "Overdue by (days)"
    assert [(r[0], r[-1]) for r in values[1:]] == [
        (world.c2.reference, 20.0),
        (world.c4.reference, 1.1),
    ]


@pytest.mark.parametrize(
    "query, title",
    [
        ("figure=caseload&owner={cw}", "Open cases of Akosua"),
        ("figure=age&bucket=31-90", "Open cases aged 31–90 days"),
        ("figure=age&bucket=181%2B", "Open cases aged over 180 days"),
        ("figure=open_stage&stage=intake", "Open cases in the stage: Intake"),
        ("figure=overdue_tasks&owner={cw}", "Cases with overdue tasks of Akosua"),
        (
            "figure=overdue_tasks&owner=none",
            "Cases with overdue tasks waiting unclaimed in a team queue",
        ),
        ("figure=sla&month=2026-05&outcome=late", "Cases with deadlines met late in May 2026"),
        (
            "figure=sla&policy=assess-time",
            "Cases with deadlines met in the date range, deadline: ",
        ),
        ("figure=stage_time&stage=intake", "Cases that left the stage Intake in the date range"),
    ],
)
def test_the_title_says_what_was_chosen_in_words(world, query, title):
    response, body = cases_page(client_for(world.manager), query.format(cw=world.cw.pk))
    assert response.context["title"].startswith(title)
    assert f"<h1>{title}" in body.replace("&#x27;", "'")
    # no raw parameter is shown (links, the export form and the language form carry them)
    text = re.sub(r'(href|value|action)="[^"]*"', "", body)
    for key in ("owner", "bucket", "month", "outcome", "stage", "policy"):  # "key: value"
        assert not re.search(rf"(^|[^ ]){key}: ", text, re.M)
    for raw in ("31-90", "181+", "2026-05", "assess-time", ": intake", ": late"):
        assert raw not in text


def test_the_subtitle_names_the_filters_in_words(world):
    query = (
        f"figure=sla&office={world.office.pk}&team={world.team_a.pk}&risk=medium"
        "&date_from=2026-02-01&date_to=2026-06-15"
    )
    response, body = cases_page(client_for(world.manager), query)
    assert response.context["description"] == [
        f"Office: {world.office.name}",
        f"Team: {world.team_a}",
        "Risk: Medium",
        "from 1 Feb 2026 to 15 Jun 2026",
    ]
    assert f"Office: {world.office.name}" in body


def test_a_caseworker_outside_the_scope_is_not_named(world):
    response, _body = cases_page(client_for(world.manager), f"figure=caseload&owner={world.cw3.pk}")
    assert response.context["title"] == "Open cases of an unknown caseworker"


def test_titles_are_in_the_readers_language(world):
    """The titles were built with gettext when the module was imported: English in Polish."""
    _response, body = cases_page(client_for(world.manager, "pl"), "figure=overdue_cases")
    assert "<h1>Sprawy po terminie</h1>" in body
    _response, body = cases_page(client_for(world.manager, "pl"), "figure=open")
    assert "<h1>Otwarte sprawy</h1>" in body


def test_percentages_follow_the_language():
    with translation.override("en"):
        assert views_dashboard.percent_text(87.5) == "87.5%"
        assert views_dashboard.percent_text(60.0) == "60%"
    with translation.override("pl"):
        assert views_dashboard.percent_text(87.5).startswith("87,5")
    assert views_dashboard.percent_text(None) == "—"


def test_drill_down_query_count_does_not_grow_with_the_rows(
    time_machine, world, django_assert_num_queries
):
    """The lateness is a subquery of the list's one query: no query per row. (One query
    counts the restricted cases the figure counts and the list leaves out.)"""
    from .dashboard_fixtures import extra_cases

    client = client_for(world.manager)
    client.get(reverse("dashboard_cases") + "?figure=overdue_cases")  # warm the session
    with django_assert_num_queries(11):  # 9 + the access-log row + the hidden restricted count
        small = client.get(reverse("dashboard_cases") + "?figure=overdue_cases")
    extra_cases(time_machine, world, 4)
    with django_assert_num_queries(11):
        large = client.get(reverse("dashboard_cases") + "?figure=overdue_cases")
    assert large.context["page"].paginator.count == small.context["page"].paginator.count + 4
