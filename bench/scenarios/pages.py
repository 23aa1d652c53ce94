"""Inbox, queue and case pages: whose pages to time (chosen by SQL from the generated
data), then each page timed in-process through Django's test Client."""

from __future__ import annotations

from bench.scenarios.common import _log, _time_page


def pick_subjects() -> dict:
    """Whose pages to time: chosen by SQL from the generated data."""
    from django.db import connection

    with connection.cursor() as cur:
        open_tasks = (
            "FROM viewflow_task WHERE status IN ('NEW', 'ASSIGNED', 'STARTED') "
            "AND flow_task_type = 'HUMAN'"
        )
        cur.execute(
            f"SELECT owner_id, count(*) {open_tasks} AND owner_id IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1"
        )
        large = cur.fetchone()
        cur.execute(
            f"SELECT owner_id, count(*) {open_tasks} AND owner_id IS NOT NULL "
            "GROUP BY 1 HAVING count(*) <= 3 ORDER BY 2, 1 LIMIT 1"
        )
        small = cur.fetchone() or large
        # the supervisor with the most unclaimed work: their teams' plus their office's
        # unallocated intakes
        cur.execute(
            """
            SELECT t.supervisor_id, count(*) FROM viewflow_task k
            JOIN case_flows_caseprocess cp ON cp.process_ptr_id = k.process_id
            JOIN case_flows_case c ON c.id = cp.case_id
            JOIN accounts_team t ON t.id = c.team_id
                 OR (c.team_id IS NULL AND t.office_id = c.office_id)
            WHERE k.status = 'NEW' AND k.owner_id IS NULL AND k.flow_task_type = 'HUMAN'
              AND t.supervisor_id IS NOT NULL
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1
            """
        )
        supervisor = cur.fetchone()
        cur.execute(
            "SELECT id FROM case_flows_case WHERE owner_id = %s AND stage <> 'closed' "
            "ORDER BY opened_at LIMIT 1",
            [large[0]],
        )
        case_id = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM case_flows_caseevent WHERE case_id = %s", [case_id])
        case_events = cur.fetchone()[0]
        cur.execute(
            """
            SELECT u.id, u.home_office_id FROM accounts_user u
            JOIN accounts_user_groups ug ON ug.user_id = u.id
            JOIN auth_group g ON g.id = ug.group_id AND g.name = 'manager'
            WHERE NOT u.is_national AND u.home_office_id = (
                SELECT office_id FROM case_flows_case GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)
            ORDER BY u.id LIMIT 1
            """
        )
        office_manager = cur.fetchone()
        cur.execute("SELECT id FROM accounts_user WHERE is_national ORDER BY id LIMIT 1")
        national = cur.fetchone()
    return {
        "inbox_large": {"user_id": large[0], "open_tasks": large[1]},
        "inbox_small": {"user_id": small[0], "open_tasks": small[1]},
        "queue_supervisor": {"user_id": supervisor[0], "unclaimed_tasks": supervisor[1]},
        "national_manager": {"user_id": national[0] if national else None},
        "office_manager": {
            "user_id": office_manager[0] if office_manager else None,
            "office_id": office_manager[1] if office_manager else None,
        },
        "case": {"case_id": case_id, "events": case_events, "viewer_id": large[0]},
    }


def page_scenarios(subjects: dict, *, runs: int, warmup: int) -> dict:
    from django.test import Client

    from accounts.models import User

    def client_for(user_id: int) -> Client:
        client = Client()
        client.force_login(User.objects.get(pk=user_id))
        return client

    results = {}
    _log("inbox page, caseworker with the largest queue")
    results["inbox_large"] = _time_page(
        client_for(subjects["inbox_large"]["user_id"]), "/inbox/", runs=runs, warmup=warmup
    )
    _log("inbox page, caseworker with a small queue")
    results["inbox_small"] = _time_page(
        client_for(subjects["inbox_small"]["user_id"]), "/inbox/", runs=runs, warmup=warmup
    )
    _log("team queue page, supervisor with the most unclaimed work")
    results["queue_supervisor"] = _time_page(
        client_for(subjects["queue_supervisor"]["user_id"]),
        "/inbox/?tab=queue",
        runs=runs,
        warmup=warmup,
    )
    if subjects["national_manager"]["user_id"]:
        _log("queue page, national manager (every office's approvals)")
        results["queue_national"] = _time_page(
            client_for(subjects["national_manager"]["user_id"]),
            "/inbox/?tab=queue",
            runs=runs,
            warmup=warmup,
        )
    _log("case page")
    results["case_page"] = _time_page(
        client_for(subjects["case"]["viewer_id"]),
        f"/cases/{subjects['case']['case_id']}/",
        runs=runs,
        warmup=warmup,
    )
    return results


# --- a task page with a configured form (issue #19) -------------------------------------

BENCH_FORM_KEY = "bench_home_assessment"


def _bench_form_content() -> dict:
    """An assessment form of 15 configured fields (one a repeating group of three, one shown
    on a condition, a choice and a multiple choice from a lookup, a person) around the
    built-in fields."""
    from case_flows.formdefs.content import CORE_FIELDS

    def label(text: str) -> dict:
        return {"en": text, "pl": text}

    def field(key: str, kind: str, **more) -> dict:
        return {
            "key": key,
            "type": kind,
            "label": label(key.replace("_", " ").capitalize()),
            **more,
        }

    fields = [
        field("housing", "choice", lookup="bench_housing", required=True, searchable=True),
        field(
            "shelter",
            "text",
            show_if={"field": "housing", "equals": "homeless"},
            required_if={"field": "housing", "equals": "homeless"},
        ),
        field("rooms", "number", integer=True, min=0, max=20),
        field("rent", "number", min=0),
        field("moved_in", "date", max="today"),
        field("supports", "multichoice", lookup="bench_housing"),
        field("has_heating", "boolean"),
        field("landlord", "text", max_length=120),
        field("neighbourhood", "textarea"),
        field("main_carer", "person"),
        field("school", "text"),
        field("school_contact", "text", pattern=r"^\+?[0-9 ]+$"),
        field("health_notes", "textarea"),
        field("debts", "boolean"),
        field(
            "household",
            "group",
            max_items=20,
            fields=[
                field("name", "text", required=True),
                field("age", "number", integer=True, min=0),
                field("relation", "choice", lookup="bench_housing"),
            ],
        ),
    ]
    core = [{"key": k, "type": "core"} for k in CORE_FIELDS["assessment"]]
    return {
        "sections": [
            {"key": "main", "label": label("Assessment"), "fields": core},
            {"key": "home", "label": label("Home"), "fields": fields[:8]},
            {"key": "family", "label": label("Family"), "fields": fields[8:]},
        ]
    }


def _publish_bench_form(office, actor) -> None:
    from case_flows.formdefs.services import (
        case_type_form_set,
        form_definition_create,
        form_publish,
        lookup_save,
    )

    lookup_save(
        actor=actor,
        office=office,
        key="bench_housing",
        labels={"en": "Housing", "pl": "Mieszkanie"},
        values=[
            {"code": code, "labels": {"en": code.capitalize(), "pl": code}}
            for code in ("rented", "owned", "family", "homeless", "other")
        ],
    )
    definition = form_definition_create(
        actor=actor,
        office=office,
        key=BENCH_FORM_KEY,
        labels={"en": "Home assessment", "pl": "Ocena domu"},
        stage="assessment",
        content=_bench_form_content(),
    )
    case_type_form_set(
        actor=actor, office=office, category=None, stage="assessment", definition=definition
    )
    form_publish(actor=actor, version=definition.versions.get())


def configured_task_scenario(*, runs: int, warmup: int) -> dict:
    """The assess task page of an open assessment whose office's form is configured (15
    fields, a group among them): the form published for the offices with open assessment
    tasks, the page timed, and all of it rolled back (the dataset stays as generated)."""
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Office, User

    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT k.id, k.owner_id, c.office_id FROM viewflow_task k
            JOIN case_flows_caseprocess cp ON cp.process_ptr_id = k.process_id
            JOIN case_flows_case c ON c.id = cp.case_id
            WHERE k.flow_task LIKE '%%.assess' AND k.status IN ('ASSIGNED', 'STARTED')
              AND k.owner_id IS NOT NULL
            ORDER BY k.id LIMIT 1
            """
        )
        row = cur.fetchone()
    if row is None:
        return {"reason": "no open assessment task with an owner in the dataset"}
    task_id, owner_id, office_id = row
    result: dict = {}
    url = f"/tasks/{task_id}/"
    with transaction.atomic():
        owner = User.objects.get(pk=owner_id)
        client = Client()
        client.force_login(owner)
        _log("the same task page with the built-in form (the comparison on this machine)")
        builtin = _time_page(client, url, runs=runs, warmup=warmup)
        _log("task page with a configured form: publishing the form (rolled back after)")
        _publish_bench_form(Office.objects.get(pk=office_id), owner)
        _log("task page with a configured form (assess, 15 fields and a group)")
        result = _time_page(client, url, runs=runs, warmup=warmup)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        if 'name="cf_housing"' not in page:
            raise RuntimeError("the task page does not show the configured form")
        result.update(
            queries=len(queries),
            builtin_p95_ms=builtin["p95_ms"],
            builtin_median_ms=builtin["median_ms"],
        )
        transaction.set_rollback(True)
    return result
