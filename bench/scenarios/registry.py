"""The registry's search before registering: person_candidates (case_flows.registry.selectors)
timed on the generated people, as a caseworker of the busiest office would run it.

Each run searches for a different generated person as a caller would describe them: the
given name, the family name with a typo (a letter dropped or doubled), the date of birth, the
phone in every other run and the national ID in every third (so those lookups are in the
figure too). The generated data
has only a few hundred distinct names, so one name is shared by thousands of people: a worse
case for the name match than real registers.

    python -m bench.scenarios.registry --scale 2000 --runs 60   (alone, on a small dataset)
"""

from __future__ import annotations

import random
import time

from bench.scenarios.common import _log, _summary


def _typo(name: str, rng: random.Random) -> str:
    if len(name) < 4:
        return name
    at = rng.randrange(1, len(name) - 1)
    return name[:at] + name[at + 1 :] if rng.random() < 0.5 else name[:at] + name[at] + name[at:]


def _searches(count: int, seed: int = 18):
    from case_flows.models import Person
    from case_flows.registry.selectors import Search

    rng = random.Random(seed)
    last = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    wanted = sorted({rng.randint(1, last) for _ in range(count * 2)})
    people = list(Person.objects.filter(pk__in=wanted).order_by("?")[:count])
    searches = []
    for i, person in enumerate(people):
        searches.append(
            Search(
                given_name=person.given_name,
                family_name=_typo(person.family_name, rng),
                date_of_birth=person.date_of_birth,
                phone=person.phone if i % 2 else "",
                national_id=person.national_id if i % 3 == 0 else "",
            )
        )
    return searches


def _searcher():
    from accounts.models import Role, User

    user = (
        User.objects.filter(groups__name=Role.CASEWORKER, is_active=True, home_office__isnull=False)
        .order_by("pk")
        .first()
    )
    if user is None:
        raise RuntimeError("no caseworker with an office in the bench data")
    return user


def registry_scenario(*, runs: int, warmup: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from case_flows.registry.selectors import person_candidates

    _log("registry: person_candidates")
    user = _searcher()
    searches = _searches(runs + warmup)
    if not searches:
        return {"reason": "no people in the bench data"}
    for search in searches[:warmup]:
        person_candidates(user, search)
    samples, found, queries = [], [], 0
    for search in searches[warmup:]:
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            candidates = person_candidates(user, search)
            samples.append((time.perf_counter() - began) * 1000)
        queries = max(queries, len(captured))
        found.append(len(candidates))
    result = _summary(samples)
    result["max_queries"] = queries
    result["candidates_median"] = sorted(found)[len(found) // 2]
    result["people"] = _count_people()
    return result


def _count_people() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM case_flows_person")
        return cur.fetchone()[0]


def main(argv=None) -> dict:
    import argparse
    import json
    import os

    parser = argparse.ArgumentParser(description="person_candidates on the generated people.")
    parser.add_argument("--scale", type=int, default=2000, help="cases to generate")
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    from bench import _env

    _env.setup()
    from bench.generate import generate

    generate(cases=args.scale)
    result = registry_scenario(runs=args.runs, warmup=args.warmup)
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
