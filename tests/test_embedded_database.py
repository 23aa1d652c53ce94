"""`make run`'s database: the embedded SQLite, with the broker that needs no server.

The rest of the suite runs on PostgreSQL, which is how a statement only PostgreSQL takes (a
data-modifying WITH for a new task and its link) once broke `make run` while every test was
green. Here, in a process of its own with `make run`'s settings and an empty SQLite file:
the migrations, one case through every kind of completion (bench/transition_queries.py's
walk, as the pages call the services) to closure, and the caseworker's inbox and case page.
"""

import os
import subprocess
import sys
from pathlib import Path

from bench.transition_queries import COMPLETIONS

ROOT = Path(__file__).resolve().parents[1]

WALK = """
import django

django.setup()
from django.db import connection
from django.test import Client
from django.urls import reverse

from bench.transition_queries import COMPLETIONS, build_world, fresh_users, open_case

assert connection.vendor == "sqlite", connection.vendor
world = build_world("lite")
open_case(world)
for kind, step in COMPLETIONS:
    fresh_users(world)
    step(world)()
    print("done", kind, flush=True)
world.case.refresh_from_db()
print("stage", world.case.stage)
client = Client()
client.force_login(world.caseworker)
for url in (reverse("inbox"), reverse("case_detail", args=[world.case.pk])):
    response = client.get(url, HTTP_HOST="127.0.0.1")
    print("page", url, response.status_code, world.case.reference in response.text)
"""


def test_a_case_goes_from_registration_to_closure_on_the_embedded_database(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "CASEFLOW_DATA_DIR": str(tmp_path),
        "DEBUG": "false",
    }

    def run(*args):
        done = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
        return done.stdout

    run("manage.py", "migrate", "--noinput", "-v", "0")
    assert (tmp_path / "db.sqlite3").exists()  # make run's database, not PostgreSQL
    out = run("-c", WALK)

    lines = out.splitlines()
    assert [line.split(None, 1)[1] for line in lines if line.startswith("done ")] == [
        kind for kind, _step in COMPLETIONS
    ]
    assert "stage closed" in lines
    pages = [line.split() for line in lines if line.startswith("page ")]
    assert len(pages) == 2
    # both pages answer; the case page names the case
    assert [page[2] for page in pages] == ["200", "200"]
    assert pages[1][3] == "True"
