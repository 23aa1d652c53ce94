"""The access log's cost on the case page: the same page timed with the access log on and
off, samples interleaved (on, off, on, ...) so load on the machine hits both alike.

"Off" is a client whose handler was built without AccessLogMiddleware and whose requests
note no row (access_record is replaced by a no-op for them): the whole cost, buffering and
the INSERT, is the difference.

    python -m bench.scenarios.access_log --scale 2000 --runs 60   (alone, on a small dataset)
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from unittest import mock

from bench.scenarios.common import _log, _summary

MIDDLEWARE_PATH = "case_flows.access_log.recording.AccessLogMiddleware"
# Where the case page notes its row (imported by name there).
RECORDING = "case_flows.cases.views.access_record"


@contextmanager
def _access_log_off():
    with mock.patch(RECORDING, lambda *args, **kwargs: None):
        yield


def access_log_scenario(subjects: dict, *, runs: int, warmup: int) -> dict:
    from django.conf import settings
    from django.test import Client, override_settings

    from accounts.models import User
    from case_flows.models import AccessEvent

    viewer = User.objects.get(pk=subjects["case"]["viewer_id"])
    url = f"/cases/{subjects['case']['case_id']}/"
    on = Client()
    on.force_login(viewer)
    off = Client()
    off.force_login(viewer)
    # The handler loads the middleware on its first request: build "off" without the log's.
    without = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE_PATH]
    with override_settings(MIDDLEWARE=without), _access_log_off():
        off.get(url)
    before = AccessEvent.objects.count()
    samples: dict[str, list[float]] = {"on": [], "off": []}
    _log("case page with the access log on and off (interleaved)")
    for n in range(warmup + runs):
        for mode, client in (("on", on), ("off", off)):
            with _access_log_off() if mode == "off" else _nothing():
                began = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - began) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code} ({mode})")
            if n >= warmup:
                samples[mode].append(elapsed)
    written = AccessEvent.objects.count() - before
    if written != warmup + runs:  # one row per "on" request, none per "off" one
        raise RuntimeError(f"expected {warmup + runs} access rows, found {written}")
    on_summary, off_summary = _summary(samples["on"]), _summary(samples["off"])
    return {
        "url": url,
        "on": on_summary,
        "off": off_summary,
        "rows_written": written,
        "extra_ms_p95": round(on_summary["p95_ms"] - off_summary["p95_ms"], 1),
        "extra_ms_median": round(on_summary["median_ms"] - off_summary["median_ms"], 1),
    }


@contextmanager
def _nothing():
    yield


def main(argv=None) -> dict:
    import argparse
    import json
    import os

    parser = argparse.ArgumentParser(description="The access log's cost on the case page.")
    parser.add_argument("--scale", type=int, default=2000, help="cases to generate")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from bench import _env

    _env.setup()
    from bench.generate import generate
    from bench.scenarios.pages import pick_subjects

    generate(cases=args.scale)
    result = access_log_scenario(pick_subjects(), runs=args.runs, warmup=args.warmup)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
