"""Synthetic national dataset for the performance harness, written in bulk with COPY.

    python -m bench.generate --cases 1000000

300 offices (Ghana and Poland, with regions), about 10,000 staff in teams of 8-12 with a
supervisor, and N cases over stages, risks and categories in realistic proportions (about
15% open), each with its person, intake, viewflow process and tasks (one open human task per
open case at the node of its stage, a few DONE history tasks), SLA clocks for open tasks
(some breached), a short timeline and notifications.

Rows are written table by table with PostgreSQL COPY (psycopg 3), in batches of cases, ids
assigned here; secondary indexes are dropped for the load and rebuilt after, sequences are
moved past the generated ids, and the tables are analysed. The services are bypassed on
purpose (they run at ~100 cases/s); what the app reads is checked by tests/bench.

Runs against the bench database (BENCH_DATABASE_URL, default caseflow_bench_data): it
TRUNCATEs the app's tables there. Skips when that database already holds the same scale
(unless --force).
"""

from __future__ import annotations

import argparse
import json
import sys

from bench.generate.db import read_meta, write_meta
from bench.generate.generator import Generator


def generate(
    *,
    cases: int,
    offices: int = 300,
    staff: int = 10_000,
    seed: int = 1,
    batch: int = 25_000,
    force: bool = False,
    verbose: bool = True,
    vacuum: bool = True,
    workers: int = 2,
) -> dict:
    """Generate (or keep, when already present at this scale) the dataset; returns its meta."""
    from case_flows.models import Case

    params = {"cases": cases, "offices": offices, "staff": staff, "seed": seed}
    meta = read_meta()
    if (
        not force
        and meta
        and all(meta.get(k) == v for k, v in params.items())
        # the transition scenario adds a few cases after ours: count the generated ids only
        and Case.objects.filter(pk__lte=cases).count() == cases
    ):
        meta["skipped"] = True
        return meta
    write_meta({})  # a half-written dataset is never taken for a complete one
    generator = Generator(
        cases=cases, offices=offices, staff=staff, seed=seed, batch=batch, workers=workers
    )
    result = generator.run(verbose=verbose, vacuum=vacuum)
    result.update(offices=offices, staff=staff)
    write_meta(result)
    result["skipped"] = False
    return result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--offices", type=int, default=300)
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=25_000, help="cases per COPY batch")
    parser.add_argument("--force", action="store_true", help="regenerate even if present")
    parser.add_argument("--workers", type=int, default=2, help="writer processes")
    args = parser.parse_args(argv)
    import os

    from bench import _env

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    url = _env.setup()
    print(f"bench database: {url.rsplit('/', 1)[-1]}", file=sys.stderr)
    result = generate(
        cases=args.cases,
        offices=args.offices,
        staff=args.staff,
        seed=args.seed,
        batch=args.batch,
        force=args.force,
        workers=args.workers,
    )
    json.dump(result, sys.stdout, indent=2)
    print()
    return result
