"""The manager dashboard: exact figures on a hand-built world, access scope, drill-down
lists, filters and query counts (see dashboard_fixtures for the world, built once for the
module: conftest.py; the age groups' boundaries, on a database without it:
test_dashboard_ages)."""

import datetime

import pytest
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from case_flows.monitoring.drilldown import figure_cases
from case_flows.monitoring.filters import DashboardFilters
from case_flows.monitoring.selectors import dashboard_figures

from .dashboard_fixtures import NOW, at, extra_cases, open_case

DAY = datetime.timedelta(days=1)
RANGE = {"date_from": datetime.date(2026, 1, 1), "date_to": datetime.date(2026, 6, 15)}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def stage_counts(figures):
    return {r["stage"]: r["count"] for r in figures["open_cases"]["by_stage"] if r["count"]}


def refs(cases):
    return [c.reference for c in cases]


# --- the figures, exactly ------------------------------------------------------------------


def test_office_manager_figures(world):
    figures = dashboard_figures(world.manager, RANGE)
    cases = figures["open_cases"]
    assert cases["total"] == 4 and cases["overdue"] == 2
    assert stage_counts(figures) == {"intake": 1, "assessment": 2, "planning": 1}
    assert [r["count"] for r in cases["ages"]] == [2, 1, 1, 0]

    overdue = figures["overdue_tasks"]
    assert overdue["total"] == 2
    assert {r["stage"]: r["count"] for r in overdue["by_stage"] if r["count"]} == {
        "intake": 1,
        "planning": 1,
    }
    assert [(r["owner_id"], r["count"]) for r in overdue["by_owner"]] == [
        (world.cw.pk, 1),
        (None, 1),
    ]

    sla = figures["sla"]
    assert (sla["total"]["on_time"], sla["total"]["late"], sla["total"]["percent"]) == (3, 2, 60.0)
    months = {r["month"]: (r["on_time"], r["late"], r["percent"]) for r in sla["by_month"]}
    assert list(months) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert months["2026-05"] == (2, 1, 66.7) and months["2026-06"] == (1, 1, 50.0)
    assert months["2026-01"] == (0, 0, None)
    assert [(p["policy"], p["on_time"], p["late"], p["percent"]) for p in sla["by_policy"]] == [
        ("first-response", 0, 1, 0.0),
        ("assess-time", 3, 1, 75.0),
    ]

    caseload = figures["caseload"]
    assert [
        (r["owner_id"], r["count"], r["threshold"], r["over"]) for r in caseload["caseworkers"]
    ] == [
        (world.cw.pk, 2, 1, True),
        (world.cw2.pk, 1, 1, False),
    ]
    assert caseload["over_threshold"] == 1

    times = {r["stage"]: (r["count"], r["average"]) for r in figures["stage_time"]["by_stage"]}
    # intake: c2 2 days, c1 1 day, c5 0 (intake completed at once); assessment: c2 5 days
    assert times["intake"] == (3, 1 * DAY)
    assert times["assessment"] == (1, 5 * DAY)
    assert times["planning"] == (0, None)

    assert figures["escalations"]["total"] == 1
    assert figures["escalations"]["oldest_wait"] == 2 * DAY - datetime.timedelta(hours=0)
    approvals = figures["approvals"]
    assert approvals["total"] == 2
    assert approvals["oldest_wait"] == 3 * DAY
    assert approvals["median_wait"] == 2 * DAY
    assert figures["rollup"] is None


def test_supervisor_sees_only_their_team(world):
    figures = dashboard_figures(world.sup, RANGE)
    assert figures["open_cases"]["total"] == 2  # c1, c2 (team A); not c4, c5 (team B)
    assert stage_counts(figures) == {"assessment": 1, "planning": 1}
    assert figures["overdue_tasks"]["total"] == 1
    assert [r["owner_id"] for r in figures["caseload"]["caseworkers"]] == [world.cw.pk]
    assert figures["sla"]["total"]["percent"] == 100.0  # c1, c2 in May, c2 in June: on time
    assert figures["approvals"]["total"] == 1
    assert figures["approvals"]["median_wait"] == 3 * DAY
    assert figures["escalations"]["total"] == 1
    times = {r["stage"]: r["average"] for r in figures["stage_time"]["by_stage"]}
    assert times["intake"] == 1.5 * DAY
    assert figures["rollup"] is None


def test_national_manager_sees_every_office_and_the_rollup(world):
    figures = dashboard_figures(world.national, RANGE)
    assert figures["open_cases"]["total"] == 5
    assert [r["count"] for r in figures["open_cases"]["ages"]] == [2, 1, 1, 1]
    assert figures["escalations"]["total"] == 2
    assert figures["escalations"]["oldest_wait"] == 5 * DAY
    sla = figures["sla"]["total"]
    assert (sla["on_time"], sla["late"], sla["percent"]) == (4, 2, 66.7)
    caseload = {r["owner_id"]: r["threshold"] for r in figures["caseload"]["caseworkers"]}
    assert caseload[world.cw3.pk] == 30  # no row for SOC: the default row applies
    rows = {r["code"]: r for r in figures["rollup"]}
    assert set(rows) == {"BEK", "SOC"}
    bek, soc = rows["BEK"], rows["SOC"]
    assert (bek["open"], bek["overdue_cases"], bek["old"], bek["overdue_tasks"]) == (4, 2, 0, 2)
    assert (bek["escalations"], bek["approvals"], bek["sla"]["percent"]) == (1, 2, 60.0)
    assert bek["oldest_approval_wait"] == 3 * DAY
    assert (soc["open"], soc["overdue_cases"], soc["old"], soc["overdue_tasks"]) == (1, 0, 1, 0)
    assert (soc["escalations"], soc["approvals"], soc["sla"]["percent"]) == (1, 0, 100.0)
    # A drill-down to one office is that office's dashboard, without the roll-up.
    office = dashboard_figures(world.national, {**RANGE, "office_id": world.office.pk})
    assert office["rollup"] is None and office["open_cases"]["total"] == 4


def test_filters_narrow_every_figure(world, time_machine):
    figures = dashboard_figures(world.manager, {**RANGE, "team_id": world.team_b.pk})
    assert figures["open_cases"]["total"] == 2  # c4, c5
    assert figures["overdue_tasks"]["total"] == 1  # c4
    assert figures["approvals"]["total"] == 1  # c5
    assert figures["sla"]["total"]["late"] == 2 and figures["sla"]["total"]["on_time"] == 0
    high = dashboard_figures(world.manager, {**RANGE, "risk": "high"})
    assert high["open_cases"]["total"] == 0 and high["sla"]["total"]["total"] == 0
    # A date range that ends before May: no compliance figures, fewer stage changes.
    april = dashboard_figures(
        world.manager,
        {"date_from": datetime.date(2026, 4, 1), "date_to": datetime.date(2026, 4, 30)},
    )
    assert april["sla"]["total"]["total"] == 0
    times = {r["stage"]: (r["count"], r["average"]) for r in april["stage_time"]["by_stage"]}
    assert times["intake"] == (1, 2 * DAY) and times["assessment"] == (1, 5 * DAY)


def test_default_date_range_is_the_last_six_months(world):
    filters = dashboard_figures(world.manager)["filters"]
    assert filters.date_from == datetime.date(2026, 1, 1)
    assert filters.date_to == datetime.date(2026, 6, 15)


# --- the cases behind each figure ----------------------------------------------------------


@pytest.mark.parametrize(
    ("figure", "params", "expected"),
    [
        ("open", {}, ["c4", "c2", "c1", "c5"]),
        ("open_stage", {"stage": "assessment"}, ["c1", "c5"]),
        ("age", {"bucket": "31-90"}, ["c2"]),
        ("overdue_cases", {}, ["c4", "c2"]),
        ("overdue_tasks", {}, ["c4", "c2"]),
        ("overdue_tasks", {"owner": "cw"}, ["c2"]),
        ("overdue_tasks", {"owner": "none"}, ["c4"]),
        ("overdue_tasks", {"stage": "intake"}, ["c4"]),
        ("caseload", {"owner": "cw"}, ["c2", "c1"]),
        ("sla", {"month": "2026-05"}, ["c4", "c2", "c1"]),
        ("sla", {"outcome": "late"}, ["c4"]),
        ("sla", {"policy": "first-response"}, ["c4"]),
        ("stage_time", {"stage": "intake"}, ["c2", "c1", "c5"]),
        ("stage_time", {"stage": "assessment"}, ["c2"]),
        ("escalations", {}, ["c1"]),
        ("approvals", {}, ["c1", "c5"]),
    ],
)
def test_figure_lists_the_cases_behind_it(world, figure, params, expected):
    params = {
        k: str(getattr(world, v).pk) if k == "owner" and v != "none" else v
        for k, v in params.items()
    }
    cases = figure_cases(world.manager, RANGE, figure, params)
    assert refs(cases) == [getattr(world, name).reference for name in expected]


def test_figure_lists_match_the_figures(world):
    figures = dashboard_figures(world.national, RANGE)
    assert figure_cases(world.national, RANGE, "open", {}).count() == 5
    for row in figures["open_cases"]["by_stage"]:
        listed = figure_cases(world.national, RANGE, "open_stage", {"stage": row["stage"]})
        assert listed.count() == row["count"]
    for row in figures["open_cases"]["ages"]:
        listed = figure_cases(world.national, RANGE, "age", {"bucket": row["bucket"]})
        assert listed.count() == row["count"]


def test_case_list_page_shows_rows_within_scope(world):
    url = reverse("dashboard_cases") + "?figure=open"
    body = client_for(world.sup).get(url).content.decode()
    assert world.c1.reference in body and world.c2.reference in body
    for other in (world.c3, world.c4, world.c5):
        assert other.reference not in body
    # An office manager asking for another office gets a message and their own office.
    response = client_for(world.manager).get(url + f"&office={world.other_office.pk}")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Some filters could not be used" in body
    assert world.c3.reference not in body and world.c1.reference in body
    # The national manager sees the other office's case.
    body = client_for(world.national).get(url).content.decode()
    assert world.c3.reference in body


def test_case_list_pages_at_25(time_machine, world):
    extra_cases(time_machine, world, 0)
    for i in range(24):
        open_case(
            time_machine,
            at(5, 1) + i * datetime.timedelta(minutes=1),
            office=world.office,
            actor=world.cw,
            family=f"P{i}",
        )
    time_machine.move_to(NOW, tick=False)
    client = client_for(world.manager)
    url = reverse("dashboard_cases") + "?figure=open"
    first = client.get(url)
    assert first.context["page"].paginator.count == 28
    assert len(first.context["page"].object_list) == 25
    second = client.get(url + "&page=2")
    assert len(second.context["page"].object_list) == 3


# --- pages, access and bad input ------------------------------------------------------------


def test_dashboard_page_renders_charts_with_table_alternatives(world):
    response = client_for(world.manager).get(reverse("dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    # Six charts (the bell in the top bar is one more <svg>).
    assert body.count("<svg") == 6 + 1 and body.count("<details>") == 6
    # a group, not an image: links inside an image are hidden from assistive technology
    assert 'role="group"' in body and 'role="img"' not in body
    assert "viewBox=" in body and 'width="100%"' in body
    assert reverse("dashboard_cases") + "?" in body
    assert "Offices" not in body  # no roll-up for an office manager


def test_national_page_has_the_rollup_with_drill_down(world):
    body = client_for(world.national).get(reverse("dashboard")).content.decode()
    assert "<h2>Offices</h2>" in body
    assert f"office={world.other_office.pk}" in body
    drill = client_for(world.national).get(reverse("dashboard") + f"?office={world.office.pk}")
    assert drill.status_code == 200 and drill.context["figures"]["rollup"] is None


def test_rollup_links_are_the_office_dashboards_and_lists(world):
    """The roll-up builds its links from strings: each must be exactly the office's link."""
    from case_flows.monitoring import figures as views

    query = "?risk=medium&date_from=2026-02-01&date_to=2026-06-15"
    response = client_for(world.national).get(reverse("dashboard") + query)
    rows = {r["office_id"]: r for r in response.context["figures"]["rollup"]}
    filters = response.context["filters"]
    for office in (world.office, world.other_office):
        office_filters = DashboardFilters(**{**filters.__dict__, "office_id": office.pk})
        row = rows[office.pk]
        assert row["url"] == views.page_url("dashboard", office_filters)
        assert row["old_url"] == views.cases_url(office_filters, "age", bucket="181+")
        for key, figure in (
            ("open_url", "open"),
            ("overdue_url", "overdue_cases"),
            ("overdue_tasks_url", "overdue_tasks"),
            ("escalations_url", "escalations"),
            ("approvals_url", "approvals"),
            ("sla_url", "sla"),
        ):
            assert row[key] == views.cases_url(office_filters, figure)
    assert "risk=medium" in rows[world.office.pk]["open_url"]


def test_overdue_by_caseworker_shows_the_most_overdue_and_says_so(world, monkeypatch):
    from case_flows.monitoring import selectors as dashboard

    monkeypatch.setattr(dashboard, "TOP_CASEWORKERS", 1)
    figures = dashboard_figures(world.manager, RANGE)
    overdue = figures["overdue_tasks"]
    # cw and the unclaimed queue have one each: named people before the queue
    assert [r["owner_id"] for r in overdue["by_owner"]] == [world.cw.pk]
    assert overdue["owner_count"] == 2 and overdue["total"] == 2
    body = client_for(world.manager).get(reverse("dashboard")).content.decode()
    assert "2 caseworkers or queues have overdue tasks; the 1 with the most are shown." in body
    assert "List every case with an overdue task" in body


def test_supervisor_nav_has_the_dashboard_link_and_caseworker_is_refused(world):
    body = client_for(world.sup).get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("dashboard")}"' in body
    assert client_for(world.cw).get(reverse("dashboard")).status_code == 403
    assert client_for(world.cw).get(reverse("dashboard_cases") + "?figure=open").status_code == 403
    inbox = client_for(world.cw).get(reverse("inbox")).content.decode()
    assert f'href="{reverse("dashboard")}"' not in inbox


@pytest.mark.parametrize(
    "query",
    [
        "date_from=not-a-date",
        "date_from=2026-06-01&date_to=2026-01-01",
        "date_from=2020-01-01&date_to=2026-01-01",
        "office=999999",
        "office=abc",
        "team=999999",
        "risk=extreme",
        "category=0",
    ],
)
def test_bad_filter_input_gives_a_message_and_the_defaults(world, query):
    response = client_for(world.manager).get(reverse("dashboard") + "?" + query)
    assert response.status_code == 200
    assert "Some filters could not be used, so the defaults are shown." in response.content.decode()
    assert response.context["filters"] == DashboardFilters.coerce(None)
    assert response.context["figures"]["open_cases"]["total"] == 4


@pytest.mark.parametrize(
    "query",
    [
        "figure=nonsense",
        "figure=open_stage&stage=closed",
        "figure=age&bucket=old",
        "figure=caseload&owner=me",
        "figure=sla&month=2026-13",
        "figure=sla&outcome=maybe",
        "",
    ],
)
def test_bad_figure_gives_a_message_not_a_500(world, query):
    response = client_for(world.manager).get(reverse("dashboard_cases") + "?" + query)
    assert response.status_code == 400
    assert "This list cannot be shown" in response.content.decode()


def test_team_of_another_office_is_refused(world):
    response = client_for(world.national).get(
        reverse("dashboard") + f"?office={world.other_office.pk}&team={world.team_a.pk}"
    )
    assert "Some filters could not be used" in response.content.decode()


# --- query counts ---------------------------------------------------------------------------

# session, user, home office (time zone), roles; 8 figure queries, the caseworkers of the
# caseload and the names of the most overdue, and the summed months of the range (none
# here: see test_dashboard_summary for the sums); permissions (2, the
# menu), unread notifications (the bell); filter choices: offices, teams, categories; when
# the SLA sweep last ran (the warning that overdue figures may be behind).
# National: 2 more for the roll-up (offices, approvals per office), no teams
# (chosen once an office is). The list: session, user, office, roles, 2 permissions, bell,
# count, one page of rows, the restricted cases counted but not listed, and the access row.
DASHBOARD_QUERIES = 22
DASHBOARD_NATIONAL_QUERIES = 23
CASE_LIST_QUERIES = 11


@pytest.mark.parametrize("extra", [0, 4])
def test_dashboard_query_count_is_constant(time_machine, world, extra, django_assert_num_queries):
    extra_cases(time_machine, world, extra)
    client = client_for(world.manager)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("dashboard"))
    assert response.context["figures"]["open_cases"]["total"] == 4 + extra
    national = client_for(world.national)
    with django_assert_num_queries(DASHBOARD_NATIONAL_QUERIES):
        national.get(reverse("dashboard"))


@pytest.mark.parametrize("extra", [0, 4])
def test_case_list_query_count_is_constant(time_machine, world, extra, django_assert_num_queries):
    extra_cases(time_machine, world, extra)
    client = client_for(world.manager)
    with django_assert_num_queries(CASE_LIST_QUERIES):
        response = client.get(reverse("dashboard_cases") + "?figure=overdue_tasks")
    assert response.context["page"].paginator.count == 2 + extra


def test_bench_entry_point_counts_its_queries(world, django_assert_num_queries):
    """dashboard_figures: 8 figure queries, caseworkers, names and the summed months; 2
    more with the national roll-up (role and scope cached; nothing summed yet)."""
    for user, queries in ((world.manager, 11), (world.national, 13)):
        user.refresh_from_db()
        dashboard_figures(user, RANGE)  # warm the role and scope caches on the user object
        with django_assert_num_queries(queries):
            dashboard_figures(user, RANGE)


def test_stage_changes_record_when_the_stage_was_entered(world):
    from case_flows.models import CaseEvent

    events = list(
        CaseEvent.objects.filter(case=world.c2)
        .exclude(to_stage="")
        .exclude(to_stage=F("from_stage"))
        .order_by("created_at", "pk")
        .values_list("from_stage", "to_stage", "created_at", "stage_entered_at")
    )
    assert events == [
        ("", "intake", at(4, 1), None),
        ("intake", "assessment", at(4, 3), at(4, 1)),
        ("assessment", "planning", at(4, 8), at(4, 3)),
    ]
    world.c2.refresh_from_db()
    assert world.c2.stage_entered_at == at(4, 8)


def test_a_date_out_of_range_is_a_message_not_a_500(world):
    """Year 9999 (a typing error) is refused at the filter like any bad date; the page and
    its drill-down answer 200 with the message, and the figures use the default range."""
    client = client_for(world.manager)
    for url in (reverse("dashboard"), reverse("dashboard_cases") + "?figure=open_cases&"):
        separator = "&" if "?" in url else "?"
        response = client.get(f"{url}{separator}date_from=9999-12-01&date_to=9999-12-31")
        assert response.status_code in (200, 400), url  # never a 500
        assert "Choose a date between" in response.content.decode(), url


def test_a_ghana_office_is_not_offered_a_polish_category_filter(world):
    body = client_for(world.manager).get(reverse("dashboard")).content.decode()
    assert "Niebieska Karta" not in body


def test_overdue_figures_say_when_the_deadline_check_has_not_run_lately(world):
    """The overdue figures come from the SLA sweep: while it has not run (no worker), or not
    for longer than its alert threshold, the page says the figures may be behind."""
    from workflows.system.models import BeatJobRun
    from workflows.system.status import SLA_SWEEP_TASK

    client = client_for(world.manager)
    body = client.get(reverse("dashboard")).content.decode()
    assert "Deadlines have not been checked yet: the overdue figures may be behind." in body

    BeatJobRun.objects.update_or_create(
        task=SLA_SWEEP_TASK,
        defaults={"last_started_at": timezone.now() - datetime.timedelta(hours=3)},
    )
    body = client.get(reverse("dashboard")).content.decode()
    assert "Deadlines were last checked 3\xa0hours ago: the overdue figures may be behind." in body

    BeatJobRun.objects.filter(task=SLA_SWEEP_TASK).update(last_started_at=timezone.now())
    body = client.get(reverse("dashboard")).content.decode()
    assert "may be behind" not in body
