"""The transitions scenario alone, on a small generated dataset (issue #22):

    BENCH_DATABASE_URL=postgres://.../cf_perf_bench python -m bench.transition_bench \
        --cases 2000 --seconds 20

Generates --cases cases in the bench database (BENCH_DATABASE_URL, else
caseflow_bench_data: give another name unless you mean to replace that dataset), then runs
bench/scenarios/transitions.py with 4 workers and with 1, and prints both with the load
average before and after. Redis: REDIS_URL (its notifications are purged afterwards).
"""

from __future__ import annotations

import argparse
import json
import os


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, nargs="*", default=[4, 1])
    args = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from bench import _env

    _env.setup()
    from bench.generate import generate
    from bench.scenarios.transitions import transitions_scenario

    generate(cases=args.cases, verbose=False)
    result = {"cases": args.cases, "load_before": os.getloadavg()}
    for workers in args.workers:
        run = transitions_scenario(workers=workers, seconds=args.seconds)
        result[f"workers_{workers}"] = {
            key: run[key] for key in ("transitions_per_s", "per_worker", "errors")
        }
    result["load_after"] = os.getloadavg()
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
