"""The dashboard's age groups have exact boundaries: on a database with only the cases the
test opens (no dashboard world: it is built for the whole module in test_dashboard)."""

import datetime

from case_flows.monitoring.drilldown import figure_cases
from case_flows.monitoring.filters import DashboardFilters
from case_flows.monitoring.selectors import dashboard_figures

from .dashboard_fixtures import NOW, open_case

DAY = datetime.timedelta(days=1)


def refs(cases):
    return [c.reference for c in cases]


def test_age_groups_have_exact_boundaries(time_machine, office, team, caseworker, manager):
    thirty = open_case(
        time_machine,
        NOW - 31 * DAY + datetime.timedelta(seconds=1),
        office=office,
        actor=caseworker,
    )
    thirty_one = open_case(time_machine, NOW - 31 * DAY, office=office, actor=caseworker)
    hundred_eighty = open_case(
        time_machine,
        NOW - 181 * DAY + datetime.timedelta(seconds=1),
        office=office,
        actor=caseworker,
    )
    older = open_case(time_machine, NOW - 181 * DAY, office=office, actor=caseworker)
    time_machine.move_to(NOW, tick=False)
    ages = dashboard_figures(manager)["open_cases"]["ages"]
    assert [r["count"] for r in ages] == [1, 1, 1, 1]
    f = DashboardFilters()
    assert refs(figure_cases(manager, f, "age", {"bucket": "0-30"})) == [thirty.reference]
    assert refs(figure_cases(manager, f, "age", {"bucket": "31-90"})) == [thirty_one.reference]
    assert refs(figure_cases(manager, f, "age", {"bucket": "91-180"})) == [hundred_eighty.reference]
    assert refs(figure_cases(manager, f, "age", {"bucket": "181+"})) == [older.reference]
