"""Handing over all of a person's open tasks at once (workflows.handover): where each task
goes, its deadlines, the cases it belongs to, the receiver's one notification, the refusals,
the lock order, and a number of queries that does not grow with the number of tasks."""

import threading

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.status import STATUS

import case_flows.cases.services as case_services
from accounts.models import AccountAction, AccountEvent, Role
from case_flows.models import Case, CaseEvent
from notifications.models import Event, Notification
from notifications.rendering import in_app_text
from tests.factories import category, make_office, make_person, make_team, make_user
from tests.steps import allocate, complete_intake, open_task, submit_assessment
from workflows.approvals.services import approval_decide
from workflows.errors import Conflict, NotPermitted
from workflows.handover import HandoverError, open_tasks_of, tasks_hand_over, work_subjects
from workflows.queue import task_reassign, tasks_user_may_be_given, user_may_be_given
from workflows.sla.models import SlaClock
from workflows.sla.seed import seed_sla_policies
from workflows.sla.units import ClockStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _policies(db):
    seed_sla_policies()  # so that tasks have deadline clocks to follow them


@pytest.fixture
def colleague(office, team):
    return make_user(
        Role.CASEWORKER, office, team, username="anna", first_name="Anna", last_name="Nowak"
    )


def cases_of(caseworker, supervisor, office, n: int, start: int = 0) -> list[Case]:
    """n cases allocated to the caseworker, intake done: each has an open assessment task
    assigned to them, with its deadline clock."""
    cases = []
    for i in range(start, start + n):
        case = case_services.case_open(
            actor=caseworker,
            person=make_person(office, "Kwame", f"Mensah {i}"),
            office=office,
            category=category(),
            risk="medium",
            source="walk_in",
            presenting_concerns="Child out of school",
        )
        allocate(case, supervisor, caseworker)
        complete_intake(case, caseworker)
        cases.append(case)
    return cases


def _task_clocks(task_ids):
    return SlaClock.objects.filter(
        task_id__in=task_ids, status__in=[ClockStatus.RUNNING, ClockStatus.PAUSED]
    )


def test_every_open_task_goes_to_the_colleague_with_its_deadline_and_case(
    office, supervisor, caseworker, colleague, manager, django_capture_on_commit_callbacks
):
    cases = cases_of(caseworker, supervisor, office, 3)
    task_ids = list(open_tasks_of(caseworker).values_list("pk", flat=True))
    assert len(task_ids) == 3 and _task_clocks(task_ids).count() >= 3

    with django_capture_on_commit_callbacks(execute=True):
        handover = tasks_hand_over(
            from_user=caseworker, to_user=colleague, actor=manager, reason="Long leave"
        )

    assert (handover.moved_count, handover.queued_count) == (3, 0)
    assert not open_tasks_of(caseworker).exists()
    assert set(open_tasks_of(colleague).values_list("pk", flat=True)) == set(task_ids)
    assert set(open_tasks_of(colleague).values_list("status", flat=True)) == {STATUS.ASSIGNED}
    # Each deadline follows the task to its new owner.
    assert set(_task_clocks(task_ids).values_list("owner_id", flat=True)) == {colleague.pk}
    # The cases she held pass to the colleague, so their next tasks reach her too.
    assert set(
        Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("owner", flat=True)
    ) == {colleague.pk}
    # One timeline event per case.
    events = CaseEvent.objects.filter(transition="tasks_handed_over")
    assert sorted(events.values_list("case_id", flat=True)) == sorted(c.pk for c in cases)
    assert all(e.data["moved"] == 1 and e.data["owner_moved"] for e in events)
    assert {e.comment for e in events} == {"Long leave"}
    # One summary notification to the receiver, and one audit row.
    notes = Notification.objects.filter(recipient=colleague, event=Event.TASKS_HANDED_OVER)
    assert notes.count() == 1
    assert in_app_text(notes.get()) == (f"3 open tasks of {caseworker} were handed over to you.")
    audit = AccountEvent.objects.get(action=AccountAction.TASKS_HANDED_OVER)
    assert (audit.actor, audit.subject) == (manager, caseworker)
    assert audit.details["moved"] == 3 and audit.details["to"] == "anna"


def test_the_cases_next_task_reaches_the_colleague(
    office, supervisor, caseworker, colleague, manager
):
    (case,) = cases_of(caseworker, supervisor, office, 1)
    tasks_hand_over(from_user=caseworker, to_user=colleague, actor=manager)
    submit_assessment(case, colleague)
    approval_decide(
        approval=open_task(case, "approve_assessment").approval,
        actor=supervisor,
        approve=True,
        comment="",
    )
    assert open_task(case, "plan").owner == colleague


def test_back_to_the_queue(office, supervisor, caseworker, manager):
    cases = cases_of(caseworker, supervisor, office, 2)
    task_ids = list(open_tasks_of(caseworker).values_list("pk", flat=True))

    handover = tasks_hand_over(from_user=caseworker, to_user=None, actor=manager)

    assert (handover.moved_count, handover.queued_count) == (0, 2)
    tasks = open_tasks_of(caseworker).model.objects.filter(pk__in=task_ids)
    assert {(t.owner_id, t.status) for t in tasks} == {(None, STATUS.NEW)}
    assert set(_task_clocks(task_ids).values_list("owner_id", flat=True)) == {None}
    # The cases stay hers (she may come back); each case says what happened.
    assert set(
        Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("owner", flat=True)
    ) == {caseworker.pk}
    assert CaseEvent.objects.filter(transition="tasks_handed_over").count() == 2
    assert not Notification.objects.filter(event=Event.TASKS_HANDED_OVER).exists()


def test_a_deactivated_owners_next_task_waits_in_the_queue(
    office, team, supervisor, caseworker, manager
):
    deputy = make_user(Role.SUPERVISOR, office, team, username="sup2")
    (case,) = cases_of(caseworker, supervisor, office, 1)
    tasks_hand_over(from_user=caseworker, to_user=None, actor=manager)
    caseworker.is_active = False
    caseworker.save(update_fields=["is_active"])
    # The supervisor takes the assessment from the queue; once it is approved, the case's
    # next task goes to the queue, not to the inbox of someone who left.
    submit_assessment(case, supervisor)
    approval_decide(
        approval=open_task(case, "approve_assessment").approval,
        actor=deputy,
        approve=True,
        comment="",
    )
    assert open_task(case, "plan").owner_id is None


def test_tasks_the_colleague_may_not_do_go_back_to_the_queue(
    office, team, supervisor, caseworker, colleague, manager
):
    """A supervisor leaves: the caseworker may do her casework, not her approvals."""
    (case,) = cases_of(caseworker, supervisor, office, 1)
    submit_assessment(case, caseworker)
    approval = open_task(case, "approve_assessment")
    if approval.owner_id != supervisor.pk:
        task_reassign(task=approval, actor=supervisor, to_user=supervisor)
    (own,) = cases_of(supervisor, supervisor, office, 1, start=10)  # an assessment of her own

    handover = tasks_hand_over(from_user=supervisor, to_user=colleague, actor=manager)

    assert (handover.moved_count, handover.queued_count) == (1, 1)
    approval.refresh_from_db()
    assert (approval.owner_id, approval.status) == (None, STATUS.NEW)
    assert open_task(own, "assess").owner == colleague


def test_an_approval_the_colleague_asked_for_is_not_theirs_to_decide(
    office, team, supervisor, caseworker, manager
):
    """The colleague did the assessment and asked for its approval: the approval task the
    leaving supervisor held goes back to the queue, never to them."""
    colleague = make_user(Role.SUPERVISOR, office, team, username="sup2")
    (case,) = cases_of(caseworker, supervisor, office, 1)
    task_reassign(task=open_task(case, "assess"), actor=supervisor, to_user=colleague)
    submit_assessment(case, colleague)
    approval = open_task(case, "approve_assessment")
    if approval.owner_id != supervisor.pk:
        task_reassign(task=approval, actor=manager, to_user=supervisor)

    handover = tasks_hand_over(from_user=supervisor, to_user=colleague, actor=manager)

    assert (handover.moved_count, handover.queued_count) == (0, 1)
    approval.refresh_from_db()
    assert approval.owner_id is None


@pytest.mark.parametrize("who", ["inactive", "elsewhere", "provider", "themselves"])
def test_refused_receivers_change_nothing(who, office, supervisor, caseworker, manager):
    cases_of(caseworker, supervisor, office, 2)
    receivers = {
        "inactive": make_user(Role.CASEWORKER, office, username="gone", is_active=False),
        "elsewhere": make_user(Role.CASEWORKER, make_office("KUM"), username="kum"),
        "provider": make_user(Role.PROVIDER, office, username="clinic"),
        "themselves": caseworker,
    }
    before = list(open_tasks_of(caseworker).values_list("pk", "owner_id", "status"))
    with pytest.raises(HandoverError) as refused:
        tasks_hand_over(from_user=caseworker, to_user=receivers[who], actor=manager)
    assert refused.value.message  # a sentence for the page
    assert list(open_tasks_of(caseworker).values_list("pk", "owner_id", "status")) == before
    assert not CaseEvent.objects.filter(transition="tasks_handed_over").exists()
    assert not AccountEvent.objects.filter(action=AccountAction.TASKS_HANDED_OVER).exists()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.SUPERVISOR, Role.PROVIDER])
def test_only_the_offices_manager_hands_over(role, office, supervisor, caseworker, colleague):
    cases_of(caseworker, supervisor, office, 1)
    actor = make_user(role, office, username=f"actor-{role}")
    with pytest.raises(NotPermitted):
        tasks_hand_over(from_user=caseworker, to_user=colleague, actor=actor)
    other_manager = make_user(Role.MANAGER, make_office("KUM"), username="kum-mgr")
    with pytest.raises(NotPermitted):
        tasks_hand_over(from_user=caseworker, to_user=colleague, actor=other_manager)
    assert open_tasks_of(caseworker).count() == 1


def test_the_set_based_rule_agrees_with_the_one_task_rule(
    office, team, supervisor, caseworker, colleague, manager
):
    cases = cases_of(caseworker, supervisor, office, 2)
    submit_assessment(cases[0], caseworker)
    other_office = make_office("KUM")
    people = [
        colleague,
        supervisor,
        manager,
        make_user(Role.CASEWORKER, office, username="no-team"),
        make_user(Role.CASEWORKER, other_office, make_team(other_office), username="kum"),
        make_user(Role.PROVIDER, office, username="clinic"),
        make_user(Role.CASEWORKER, office, team, username="gone", is_active=False),
    ]
    tasks = list(
        open_tasks_of(caseworker).model.objects.filter(
            status__in=[STATUS.NEW, STATUS.ASSIGNED], flow_task_type="HUMAN"
        )
    )
    subjects = work_subjects(tasks_rows(tasks))
    for person in people:
        expected = {task.pk for task in tasks if user_may_be_given(person, task)}
        assert tasks_user_may_be_given(person, tasks, subjects) == expected, person.username


def tasks_rows(tasks):
    from workflows.handover import TaskRow

    return [TaskRow(t.pk, t.process_id, t.owner_permission, t.flow_task.flow_class) for t in tasks]


def _queries_to_hand_over(n, office, supervisor, team, manager, start):
    leaver = make_user(Role.CASEWORKER, office, team, username=f"leaver{n}")
    receiver = make_user(Role.CASEWORKER, office, team, username=f"receiver{n}")
    cases_of(leaver, supervisor, office, n, start=start)
    with CaptureQueriesContext(connection) as queries:
        handover = tasks_hand_over(from_user=leaver, to_user=receiver, actor=manager)
    assert handover.moved_count == n and handover.extra["cases_moved"] == n
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_tasks(office, supervisor, team, manager):
    _queries_to_hand_over(1, office, supervisor, team, manager, start=500)  # warm the caches
    few = _queries_to_hand_over(5, office, supervisor, team, manager, start=0)
    many = _queries_to_hand_over(50, office, supervisor, team, manager, start=100)
    assert few == many, f"{few} queries for 5 tasks, {many} for 50"
    assert many < 60


@pytest.mark.django_db(transaction=True)
def test_a_case_locked_elsewhere_is_a_conflict_and_changes_nothing(
    office, supervisor, caseworker, colleague, manager, settings
):
    """Someone holds a case's flow lock (the process row) longer than the lock timeout: the
    hand-over is a Conflict (409 on the page) and nothing moved."""
    seed_sla_policies()
    cases_of(caseworker, supervisor, office, 2)
    process_id = open_tasks_of(caseworker).order_by("-pk").values_list("process_id", flat=True)[0]
    settings.WORKFLOW_LOCK_TIMEOUT_MS = 300
    params = connection.get_connection_params()
    holder = psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")}
    )
    try:
        holder.execute("SELECT 1 FROM viewflow_process WHERE id = %s FOR UPDATE", [process_id])
        with pytest.raises(Conflict):
            tasks_hand_over(from_user=caseworker, to_user=colleague, actor=manager)
    finally:
        holder.rollback()
        holder.close()
    assert open_tasks_of(caseworker).count() == 2
    assert not CaseEvent.objects.filter(transition="tasks_handed_over").exists()


@pytest.mark.django_db(transaction=True)
def test_a_task_completed_meanwhile_is_left_alone(
    office, supervisor, caseworker, colleague, manager
):
    """The caseworker completes a task while the hand-over waits for its flow lock: it is
    not moved (it is done), and the rest are."""
    seed_sla_policies()
    cases = cases_of(caseworker, supervisor, office, 2)
    first = open_task(cases[0], "assess")
    started = threading.Event()
    result = {}

    params = connection.get_connection_params()
    holder = psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")}
    )
    holder.execute("SELECT 1 FROM viewflow_process WHERE id = %s FOR UPDATE", [first.process_id])

    def hand_over():
        started.set()
        try:
            result["handover"] = tasks_hand_over(
                from_user=caseworker, to_user=colleague, actor=manager
            )
        finally:
            connection.close()

    thread = threading.Thread(target=hand_over)
    thread.start()
    started.wait()
    # What the caseworker's completion does under that lock: the task is done.
    holder.execute("UPDATE viewflow_task SET status = 'DONE' WHERE id = %s", [first.pk])
    holder.commit()
    holder.close()
    thread.join(timeout=30)
    assert result["handover"].moved_count == 1
    assert open_task(cases[1], "assess").owner == colleague
