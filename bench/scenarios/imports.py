"""Bench scenario import_rows_per_s: N generated rows of our CSV template imported through
case_flows.imports: a caseload's mix of stages (unallocated intake to closed), one or two
relatives on most rows (some not living with the client), a few clients named twice, and
about 2% bad rows (an unknown caseworker, a date that is no date) reported, not imported.

    BENCH_DATABASE_URL=postgres://.../cf_x python -m bench.scenarios.imports --rows 5000
    (any migrated database; run.py calls it)

The import runs as a dry run (the same code path, inside one transaction rolled back) in an
office made for the run, so the dataset stays as it was; per-row COMMITs are not counted.
Budget: 100,000 rows in <= 10 minutes, i.e. >= 167 rows/s.
"""

from __future__ import annotations

import argparse
import json
import random

STAGES = [  # a caseload's shape: many closed, the rest spread over the open stages
    ("closed", 40),
    ("intake", 10),
    ("assessment", 15),
    ("planning", 10),
    ("referral", 5),
    ("follow_up", 15),
    ("closing", 5),
]


class _Rollback(Exception):
    pass


def _csv(rows: int, caseworkers: list[str]) -> bytes:
    rng = random.Random(18)
    lines = [
        "case_id,person_id,given_name,family_name,sex,date_of_birth,category,risk,stage,"
        "opened_at,caseworker,relative_name,relative_relationship,relative_lives_with"
    ]
    stages = [s for s, w in STAGES for _ in range(w)]
    for n in range(rows):
        dob = f"{rng.randint(1950, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        person = n if rng.random() > 0.03 else max(0, n - rng.randint(1, 50))  # named twice
        stage = rng.choice(stages)
        worker = rng.choice(caseworkers)
        if stage == "intake" and rng.random() < 0.5:
            worker = ""  # unallocated: the supervisors' queue
        bad = rng.random()
        if bad < 0.01:
            worker = "nobody"
        elif bad < 0.02:
            dob = "31/02/2010"
        relative = ""
        if rng.random() < 0.8:
            relative = f"Parent{n} Family{person % 997},parent,{rng.choice(['yes', 'yes', 'no'])}"
        lines.append(
            f"B-{n},P-{person},Given{person},Family{person % 997},"
            f"{rng.choice(['female', 'male'])},{dob},"
            f"{rng.choice(['child_protection', 'poverty', 'disability'])},"
            f"{rng.choice(['low', 'medium', 'high'])},{stage},2024-0{rng.randint(1, 9)}-15,"
            f"{worker},{relative or ',,'}"
        )
    return ("\n".join(lines) + "\n").encode()


def import_scenario(*, rows: int = 5000) -> dict:
    from django.db import transaction

    from accounts.models import Office, Role, Team, User
    from accounts.roles import ensure_role_groups
    from case_flows.imports.mapping import mapping_for
    from case_flows.imports.parsing import records_read
    from case_flows.imports.services import caseload_import
    from workflows.sla.models import SlaPolicy
    from workflows.sla.seed import seed_sla_policies

    result: dict = {}
    try:
        with transaction.atomic():
            if not SlaPolicy.objects.exists():
                seed_sla_policies()
            groups = ensure_role_groups()
            office = Office.objects.create(
                code="BENCHIMP", name="Bench import", jurisdiction="GH", timezone="Africa/Accra"
            )

            def user(name, role):
                u = User.objects.create_user(username=f"benchimp-{name}", home_office=office)
                u.groups.add(groups[role])
                return u

            sup = user("sup", Role.SUPERVISOR)
            team = Team.objects.create(office=office, name="Bench import team", supervisor=sup)
            workers = [user(f"cw{i}", Role.CASEWORKER) for i in range(5)]
            team.members.add(sup, *workers)
            manager = user("mgr", Role.MANAGER)
            report = caseload_import(
                records=records_read(_csv(rows, [w.username for w in workers]), "csv"),
                office=office,
                actor=manager,
                mapping=mapping_for("csv"),
                dry_run=True,
            )
            result = {
                "rows": rows,
                "seconds": round(report.seconds, 2),
                "import_rows_per_s": round(report.rows_per_second, 1),
                "counts": report.counts,
                "errors": [r.message for r in report.results if r.outcome == "error"][:5],
            }
            raise _Rollback
    except _Rollback:
        pass
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    from bench import _env

    _env.setup()
    print(json.dumps(import_scenario(rows=args.rows), indent=1))
