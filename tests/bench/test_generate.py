"""The bench generator writes rows the real app reads: pages render them, services act on them."""

import pytest
from django.db import connection, models
from django.db.models import Count
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

import case_flows.cases.selectors as case_selectors
import case_flows.work.selectors as work_selectors
from accounts.models import User
from bench.generate import generate
from case_flows.flows import CaseFlow
from case_flows.models import Case, CaseProcess
from workflows.queue import task_claim
from workflows.sla.models import SlaClock

CASES = 200


@pytest.fixture(scope="module")
def module_dataset(module_db, django_db_blocker):
    """Generated once for the module (tests/conftest.py, module_db): each test's writes are
    rolled back after it, the dataset at the module's end."""
    with django_db_blocker.unblock():
        return generate(
            cases=CASES,
            offices=3,
            staff=60,
            seed=7,
            batch=64,
            force=True,
            verbose=False,
            vacuum=False,
            workers=1,
        )


@pytest.fixture
def dataset(module_dataset, module_copy):
    return module_copy(module_dataset)


def _open_tasks():
    return Task.objects.filter(flow_task_type="HUMAN", status__in=case_selectors.OPEN_TASK_STATUSES)


def test_counts_and_proportions(dataset):
    counts = dataset["counts"]
    assert counts["cases"] == CASES == Case.objects.count()
    assert counts["offices"] == 3
    assert 5 <= counts["open_cases"] <= 60  # about 15% open
    # one open human task per open case, at the node of its stage
    assert _open_tasks().count() == counts["open_cases"]
    assert counts["tasks"] == Task.objects.count() >= 3 * CASES
    assert SlaClock.objects.filter(breached=True).exists() or counts["open_cases"] < 10


def test_viewflow_reads_the_generated_references(dataset):
    task = _open_tasks().select_related("process").first()
    assert task.flow_task.flow_class is CaseFlow
    assert task.process.flow_class is CaseFlow
    assert task.flow_task.name in {
        "allocate",
        "intake",
        "assess",
        "approve_assessment",
        "plan",
        "approve_plan",
        "arrange_referrals",
        "follow_up",
        "prepare_closure",
        "approve_closure",
    }
    case = task.process.coerced.case
    assert isinstance(task.process.coerced, CaseProcess)
    stage_of = {"allocate": "intake", "approve_closure": "closing", "follow_up": "follow_up"}
    if task.flow_task.name in stage_of:
        assert case.stage == stage_of[task.flow_task.name]
    assigned = _open_tasks().filter(status=STATUS.ASSIGNED).first()
    assert assigned.owner_id is not None
    assert assigned.owner_permission == "case_flows.work_case"


def test_new_ids_continue_after_the_generated_ones(dataset):
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('viewflow_task', 'id'))")
        assert cursor.fetchone()[0] > Task.objects.order_by("-pk").first().pk


def _busiest_caseworker():
    row = (
        _open_tasks()
        .filter(owner__isnull=False)
        .values("owner")
        .order_by()
        .annotate(n=Count("pk"))
        .order_by("-n", "owner")
        .first()
    )
    return User.objects.get(pk=row["owner"]), row["n"]


def test_inbox_lists_the_generated_tasks(dataset, client):
    worker, open_count = _busiest_caseworker()
    client.force_login(worker)
    response = client.get("/inbox/")
    assert response.status_code == 200
    html = response.content.decode()
    for task in _open_tasks().filter(owner=worker).select_related("process__caseprocess__case"):
        assert task.process.caseprocess.case.reference in html
    assert work_selectors.inbox_counts(worker)["mine"] == open_count


def test_queue_lists_unclaimed_work_and_a_generated_task_can_be_claimed(dataset, client):
    unclaimed = (
        _open_tasks()
        .filter(owner__isnull=True, owner_permission="case_flows.approve_case")
        .select_related("process__caseprocess__case__team")
        .first()
    )
    if unclaimed is None:
        pytest.skip("no unclaimed approval at this seed")
    case = unclaimed.process.caseprocess.case
    supervisor = case.team.supervisor
    client.force_login(supervisor)
    response = client.get("/inbox/?tab=queue")
    assert response.status_code == 200
    assert case.reference in response.content.decode()
    task_claim(task=unclaimed, actor=supervisor)
    unclaimed.refresh_from_db()
    assert unclaimed.owner_id == supervisor.pk


def test_case_page_shows_the_generated_timeline(dataset, client):
    worker, _count = _busiest_caseworker()
    case = Case.objects.filter(owner=worker).exclude(stage="closed").first()
    client.force_login(worker)
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert case.reference in html
    assert case.person.family_name in html
    assert case.events.count() >= 2


def test_the_api_inbox_scenario_times_the_largest_inbox_and_leaves_no_trace(dataset):
    from api.models import PersonalToken
    from bench.scenarios.api import api_inbox_scenario
    from bench.scenarios.pages import pick_subjects

    subjects = pick_subjects()
    worker, open_count = _busiest_caseworker()
    assert subjects["inbox_large"]["user_id"] == worker.pk
    result = api_inbox_scenario(subjects, runs=2, warmup=1)
    assert result["runs"] == 2 and result["p95_ms"] > 0
    assert result["rows"] == min(open_count, 50)  # the first page of their inbox
    assert not PersonalToken.objects.exists()  # the bench token was rolled back


def test_second_run_at_the_same_scale_is_skipped(dataset):
    again = generate(cases=CASES, offices=3, staff=60, seed=7, verbose=False, vacuum=False)
    assert again["skipped"] is True


def test_history_feeds_the_dashboard(dataset):
    """Finished deadlines (on time and late) and stage changes that know when the stage was
    entered: the dashboard's compliance and time in stage have rows to read."""
    from case_flows.models import CaseEvent

    met = SlaClock.objects.filter(status="met")
    assert dataset["counts"]["met_clocks"] == met.count() > CASES
    assert met.filter(breached=True).exists() and met.filter(breached=False).exists()
    assert not met.filter(stopped_at__isnull=True).exists()
    assert not met.filter(due_at__lt=models.F("stopped_at"), breached=False).exists()
    exits = CaseEvent.objects.filter(kind="transition")
    assert exits.exists() and not exits.filter(stage_entered_at__isnull=True).exists()
    assert not exits.filter(stage_entered_at__gt=models.F("created_at")).exists()
