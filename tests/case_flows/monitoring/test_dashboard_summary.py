"""The dashboard's monthly sums (case_flows/monitoring/history.py): which months are summed,
that reading them gives exactly the live figures, and that the page really reads them (on
the dashboard's world, built once for the module: conftest.py; the hourly beat, on a database
without it: test_dashboard_beat)."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from case_flows.models import DashboardMonth, DashboardMonthRow, SummaryFigure
from case_flows.monitoring.history import (
    dashboard_months_summarise,
    dashboard_summaries_clear,
    months_to_summarise,
    summarise_month,
)
from case_flows.monitoring.selectors import dashboard_figures

from .dashboard_fixtures import NOW

UTC = datetime.UTC
RANGE = {"date_from": datetime.date(2026, 1, 1), "date_to": datetime.date(2026, 6, 15)}
# Starts and ends inside months: only the whole months between come from the sums.
RAGGED = {"date_from": datetime.date(2026, 3, 20), "date_to": datetime.date(2026, 6, 15)}


def history(figures):
    return {"sla": figures["sla"], "stage_time": figures["stage_time"]}


def fresh(user):
    user.refresh_from_db()  # no cached scope or roles
    return user


def test_months_to_summarise_are_the_ended_ones_newest_first():
    now = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    months = months_to_summarise(now, "UTC", 3)
    assert months == [
        datetime.date(2026, 5, 1),
        datetime.date(2026, 4, 1),
        datetime.date(2026, 3, 1),
    ]
    # Just after midnight a month is still settling (SETTLE); an hour later it is summed.
    june_end = datetime.datetime(2026, 7, 1, 0, 30, tzinfo=UTC)
    assert months_to_summarise(june_end, "UTC", 1) == [datetime.date(2026, 5, 1)]
    later = datetime.datetime(2026, 7, 1, 1, 30, tzinfo=UTC)
    assert months_to_summarise(later, "UTC", 1) == [datetime.date(2026, 6, 1)]
    # In Warsaw (UTC+2 in summer) June ended two hours before it did in UTC.
    assert months_to_summarise(june_end, "Europe/Warsaw", 1) == [datetime.date(2026, 6, 1)]
    # Across a new year.
    january = datetime.datetime(2027, 1, 10, tzinfo=UTC)
    assert months_to_summarise(january, "UTC", 2) == [
        datetime.date(2026, 12, 1),
        datetime.date(2026, 11, 1),
    ]


def test_summarise_writes_each_month_once_per_time_zone(world):
    written = dashboard_months_summarise(NOW, months=6)
    # settings.TIME_ZONE and each office's zone
    zones = set(DashboardMonth.objects.values_list("zone", flat=True))
    assert zones == {"UTC", "Africa/Accra", "Europe/Warsaw"}
    # six ended months and June 1-14 (today, the 15th, is read live) in each zone
    assert written == 7 * len(zones) == DashboardMonth.objects.count()
    june = DashboardMonth.objects.get(zone="UTC", month=datetime.date(2026, 6, 1))
    assert june.until == datetime.date(2026, 6, 15)
    assert dashboard_months_summarise(NOW, months=6) == 0  # nothing left to do
    assert summarise_month("UTC", datetime.date(2026, 5, 1)) is None  # already summed
    # the next day, June 1-15 replaces June 1-14
    assert dashboard_months_summarise(NOW + datetime.timedelta(days=1), months=6) == 3
    assert [p.until for p in DashboardMonth.objects.filter(zone="UTC", month=june.month)] == [
        datetime.date(2026, 6, 16)
    ]
    may = DashboardMonth.objects.get(zone="UTC", month=datetime.date(2026, 5, 1))
    sla = {
        (r.office.code, r.key): (r.count, r.late)
        for r in may.rows.filter(figure=SummaryFigure.SLA).select_related("office")
    }
    # May in the world (test_dashboard): BEK 2 deadlines met on time and 1 late.
    assert sum(c for c, _late in sla.values()) == 2 and sum(lt for _c, lt in sla.values()) == 1
    assert {office for office, _key in sla} == {"BEK"}
    april = DashboardMonth.objects.get(zone="UTC", month=datetime.date(2026, 4, 1))
    stages = {r.key: (r.count, r.duration) for r in april.rows.filter(figure="stage_time")}
    # c2 left intake after 2 days and assessment after 5 days in April.
    assert stages["intake"] == (1, datetime.timedelta(days=2))
    assert stages["assessment"] == (1, datetime.timedelta(days=5))
    assert dashboard_summaries_clear() > 0 and not DashboardMonth.objects.exists()


@pytest.mark.parametrize("dates", [RANGE, RAGGED], ids=["whole-months", "ragged"])
def test_sums_give_exactly_the_live_figures(world, dates):
    cases = [
        (world.national, {}),
        (world.national, {"office_id": world.office.pk}),
        (world.manager, {}),
        (world.manager, {"team_id": world.team_b.pk}),
        (world.sup, {}),
    ]
    live = [history(dashboard_figures(fresh(u), {**dates, **f})) for u, f in cases]
    assert dashboard_months_summarise(NOW, months=12) > 0
    summed = [history(dashboard_figures(fresh(u), {**dates, **f})) for u, f in cases]
    assert summed == live
    # and the figures are not empty: the comparison means something
    assert live[0]["sla"]["total"]["total"] > 0
    assert any(r["count"] for r in live[0]["stage_time"]["by_stage"])


def test_the_page_reads_the_sums(world):
    """Change a sum behind the page's back: the national figures follow it, so they are
    read from the sums (and a view the sums cannot answer does not)."""
    dashboard_months_summarise(NOW, months=12)
    intake_before = {
        r["stage"]: r
        for r in dashboard_figures(fresh(world.national), RANGE)["stage_time"]["by_stage"]
    }["intake"]
    may = DashboardMonth.objects.get(zone="UTC", month=datetime.date(2026, 5, 1))
    row = may.rows.filter(figure=SummaryFigure.SLA, office=world.office, late__gt=0).first()
    row.late += 10
    row.save()
    stage = DashboardMonthRow.objects.get(
        period__zone="UTC",
        period__month=datetime.date(2026, 4, 1),
        figure=SummaryFigure.STAGE_TIME,
        key="intake",
    )
    stage.count += 1  # one more stage change of no time
    stage.save()

    with timezone.override("UTC"):
        national = dashboard_figures(fresh(world.national), RANGE)
        manager = dashboard_figures(fresh(world.manager), RANGE)
        supervisor = dashboard_figures(fresh(world.sup), RANGE)
    assert national["sla"]["total"]["late"] == 2 + 10
    assert manager["sla"]["total"]["late"] == 2 + 10  # an office manager reads them too
    assert supervisor["sla"]["total"]["late"] == 0  # a team scope reads the clocks
    intake = {r["stage"]: r for r in national["stage_time"]["by_stage"]}["intake"]
    assert intake["count"] == intake_before["count"] + 1
    assert intake["average"] < intake_before["average"]
    # the office view of time in stage follows the case's current office: read live
    office = dashboard_figures(fresh(world.manager), RANGE)
    assert {r["stage"]: r for r in office["stage_time"]["by_stage"]}["intake"]["count"] == 3


def test_a_month_summed_after_backdated_writes_is_redone_by_clear(world):
    dashboard_months_summarise(NOW, months=12)
    before = dashboard_figures(fresh(world.national), RANGE)["sla"]["total"]
    # a loader writes a met clock in May after May was summed: the sums miss it
    from .dashboard_fixtures import at, make_clock

    make_clock(world.c2, world.policy_assess, status="met", stopped_at=at(5, 20), breached=True)
    stale = dashboard_figures(fresh(world.national), RANGE)["sla"]["total"]
    assert stale == before
    dashboard_summaries_clear()
    dashboard_months_summarise(NOW, months=12)
    redone = dashboard_figures(fresh(world.national), RANGE)["sla"]["total"]
    assert redone["late"] == before["late"] + 1


def test_query_counts_with_the_sums(world, django_assert_num_queries):
    """With sums: their rows, one query a figure, and the roll-up's compliance by office
    (one more), besides the queries of the live part (today)."""
    dashboard_months_summarise(NOW, months=12)
    for user, queries in ((world.manager, 11 + 1), (world.national, 13 + 3)):
        user = fresh(user)
        dashboard_figures(user, RANGE)  # warm the role and scope caches on the user object
        with django_assert_num_queries(queries):
            dashboard_figures(user, RANGE)
    client = Client()
    client.force_login(world.national)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
