"""The dashboard's monthly sums are written by the beat, hourly, on the sweeps queue: on a
database without offices (no dashboard world: it is built for the whole module in
test_dashboard_summary)."""

from django.utils import timezone

from case_flows.monitoring.history import SUMMARY_MONTHS, month_to_date


def test_beat_runs_the_summary_hourly_on_the_sweeps_queue(db):
    from case_flows.tasks import summarise_dashboard_months
    from config.celery import app

    entry = app.conf.beat_schedule["case-flows-summarise-dashboard-months"]
    assert entry["task"] == "case_flows.tasks.summarise_dashboard_months"
    assert entry["options"]["expires"] < 3600
    assert app.conf.task_routes[entry["task"]] == {"queue": "sweeps"}
    assert summarise_dashboard_months.name == entry["task"]
    # no offices yet: settings.TIME_ZONE only, every month of the longest range and this
    # month to today, once
    to_date = 1 if month_to_date(timezone.now(), "UTC") else 0
    assert summarise_dashboard_months() == SUMMARY_MONTHS + to_date
    assert summarise_dashboard_months() == 0
