"""The manager dashboard: beat's monthly sums from scratch, then the page for one office and
national."""

from __future__ import annotations

import time

from bench.scenarios.common import _log, _time_page


def dashboard_scenarios(subjects: dict, *, runs: int, warmup: int) -> dict:
    """The manager dashboard page, one office and national, after beat's monthly sums.

    In production the hourly beat job `summarise_dashboard_months` keeps the sums of ended
    months; here they are cleared and summed again first, timed: the cost of summing two
    years in every time zone the first time (afterwards each hourly run has nothing, or a
    day, to do).
    """
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from case_flows.monitoring.history import dashboard_months_summarise, dashboard_summaries_clear

    url = reverse("dashboard")
    _log("dashboard: monthly sums from scratch (the hourly beat job's first run)")
    dashboard_summaries_clear()
    began = time.perf_counter()
    months = dashboard_months_summarise()
    results = {
        "summarise": {"months": months, "seconds": round(time.perf_counter() - began, 1)},
        "reason": None,
    }
    for key, subject in (("office", "office_manager"), ("national", "national_manager")):
        user_id = subjects[subject]["user_id"]
        if user_id is None:
            results[key] = None
            continue
        user = User.objects.get(pk=user_id)
        _log(f"dashboard, {key}")
        client = Client()
        client.force_login(user)
        results[key] = _time_page(client, url, runs=runs, warmup=warmup)
    return results
