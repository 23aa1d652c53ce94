"""The system status page and the alerts to administrators (workflows/system)."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from config import __version__
from notifications import delivery as sending
from notifications.models import Channel, Delivery, DeliveryStatus, Event, Notification
from tests.factories import make_user
from workflows.system import alerts, beat, status
from workflows.system.models import BeatJobRun, SystemAlert
from workflows.tasks import sla_sweep_task

pytestmark = pytest.mark.django_db

SWEEP_TASK = "workflows.tasks.sla_sweep"
SWEEP_ENTRY = "workflows-sla-sweep"
WORKER = status.Worker("celery@web1", ("celery", "sweeps"))


@pytest.fixture(autouse=True)
def quiet_system(monkeypatch, settings):
    """A worker answers, every beat job ran just now, the disk is never "full": each test
    breaks one thing."""
    settings.SYSTEM_ALERT_DISK_FREE_PERCENT = 0
    monkeypatch.setattr(status, "workers_seen", lambda timeout=1.0: [WORKER])
    now = timezone.now()
    BeatJobRun.objects.bulk_create(
        [BeatJobRun(task=task, last_started_at=now) for task in sorted(beat.beat_task_names())]
    )
    return now


@pytest.fixture
def administrator(office):
    return make_user(Role.ADMINISTRATOR, office, username="admin1", email="admin@example.org")


def _row(html: str, text: str) -> str:
    [row] = [row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if text in row]
    return row


def _failed_sms(recipient, count: int, prefix: str = "failed") -> None:
    for n in range(count):
        notification = Notification.objects.create(
            recipient=recipient, event=Event.SLA_BREACH, dedupe_key=f"{prefix}-sms-{n}"
        )
        Delivery.objects.create(
            notification=notification, channel=Channel.SMS, status=DeliveryStatus.FAILED
        )


def _send_pending_emails() -> None:
    for delivery in Delivery.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.PENDING):
        sending.delivery_attempt(delivery_id=delivery.pk)


# --- the page ---------------------------------------------------------------------------


def test_caseworkers_and_managers_are_refused_and_strangers_sent_to_sign_in(
    client, caseworker, manager
):
    url = reverse("system_status")
    assert client.get(url).status_code == 302
    for person in (caseworker, manager):
        client.force_login(person)
        assert client.get(url).status_code == 403


def test_the_staff_tabs_show_system_status_to_administrators_only(client, administrator, manager):
    client.force_login(manager)
    assert "System status" not in client.get(reverse("staff_list")).content.decode()
    client.force_login(administrator)
    assert "System status" in client.get(reverse("staff_list")).content.decode()


def test_the_page_shows_each_part_with_a_fixed_number_of_queries(
    client, administrator, django_assert_num_queries
):
    client.force_login(administrator)
    _failed_sms(administrator, 1)
    client.get(reverse("system_status"))  # the session's first request writes what it writes
    # The session, the user, their office and roles, the Staff tabs' permissions, the bell;
    # then one each: SELECT 1, beat runs, SLA lag, outbox by channel, open alerts.
    with django_assert_num_queries(12):
        response = client.get(reverse("system_status"))
    html = response.content.decode()
    assert response.status_code == 200
    for dependency in ("Database", "Celery broker", "Cache"):
        assert "OK" in _row(html, dependency)
    assert "celery@web1" in html and "celery, sweeps" in html
    assert "OK" in _row(html, SWEEP_ENTRY) and "every 1 minute" in _row(html, SWEEP_ENTRY)
    assert "every 1 day" in _row(html, "accounts-clear-expired-sessions")
    assert "SMS" in _row(html, "SMS")
    assert "free of" in html
    assert f"Caseflow version {__version__}." in html  # the release (CHANGELOG.md)

    # More channels, failures and alerts: the same number of queries.
    _failed_sms(administrator, 3, prefix="more")
    for condition in ("disk", "workers"):
        SystemAlert.objects.create(condition=condition, since=timezone.now(), problem="x")
    with django_assert_num_queries(12):
        assert client.get(reverse("system_status")).status_code == 200


def test_a_failing_dependency_shows_as_failing(client, administrator, monkeypatch):
    from workflows.system import probes

    monkeypatch.setattr(probes, "broker_url", lambda: "redis://127.0.0.1:1/0")
    client.force_login(administrator)
    html = client.get(reverse("system_status")).content.decode()
    assert "Failing" in _row(html, "Celery broker")
    assert "OK" in _row(html, "Database")


def test_no_alert_yet_but_no_worker_is_not_shown_as_all_well(client, administrator, monkeypatch):
    """Alerts come from a beat job that needs a worker: with none, the page does not say
    "No open alert" as if all were well, and a job that never ran is not "OK"."""
    client.force_login(administrator)
    html = client.get(reverse("system_status")).content.decode()
    assert "No open alert." in html and "No alert is open, but" not in html

    monkeypatch.setattr(status, "workers_seen", lambda timeout=1.0: [])
    BeatJobRun.objects.filter(task=SWEEP_TASK).update(last_started_at=None)
    html = client.get(reverse("system_status")).content.decode()
    assert "No open alert." not in html
    assert "No alert is open, but this check sees a problem below." in html
    sweep = _row(html, SWEEP_ENTRY)
    assert "never recorded" in sweep and "Not run yet" in sweep and ">OK<" not in sweep


def test_the_page_is_in_the_readers_language(client, administrator):
    # The page's own Polish ("Stan systemu") is in /work/i18n/health.json until the lead
    # merges it into locale/; here: the page is rendered in Polish, its table headers too.
    administrator.preferred_language = "pl"
    administrator.save()
    _failed_sms(administrator, 1)
    client.force_login(administrator)
    html = client.get(reverse("system_status")).content.decode()
    assert 'lang="pl"' in html
    assert "Osoby" in html  # the Staff tabs
    assert "Oczekuje" in html and "Nieudane" in html  # the outbox's headers


# --- beat jobs --------------------------------------------------------------------------


def test_a_run_of_a_beat_job_is_recorded_by_the_worker_signals():
    BeatJobRun.objects.filter(task=SWEEP_TASK).update(last_started_at=None)
    sla_sweep_task.apply()
    run = BeatJobRun.objects.get(task=SWEEP_TASK)
    assert run.last_started_at is not None and run.last_finished_at is not None
    assert run.last_state == "SUCCESS"


def test_intervals_are_read_from_the_schedule():
    intervals = {job.entry: job.interval for job in beat.beat_jobs()}
    assert intervals[SWEEP_ENTRY] == datetime.timedelta(minutes=1)
    assert intervals["case-flows-raise-access-alerts"] == datetime.timedelta(minutes=10)
    assert intervals["notifications-daily-digests"] == datetime.timedelta(hours=1)
    assert intervals["accounts-clear-expired-sessions"] == datetime.timedelta(days=1)


def test_a_stopped_beat_job_shows_late_and_mails_the_administrators_once_per_episode(
    client, administrator, caseworker, quiet_system
):
    now = quiet_system
    BeatJobRun.objects.filter(task=SWEEP_TASK).update(
        last_started_at=now - datetime.timedelta(minutes=3)
    )
    client.force_login(administrator)
    html = client.get(reverse("system_status")).content.decode()
    assert "Late" in _row(html, SWEEP_ENTRY) and "overdue" in _row(html, SWEEP_ENTRY)

    first = alerts.system_alerts_raise(now=now)
    assert first.notified == 1
    _send_pending_emails()
    [message] = mail.outbox
    assert message.to == ["admin@example.org"]
    assert SWEEP_ENTRY in message.body
    assert reverse("system_status") in message.body
    assert not Notification.objects.filter(recipient=caseworker).exists()

    # A minute later it is still stopped: no second e-mail.
    again = alerts.system_alerts_raise(now=now + datetime.timedelta(minutes=1))
    assert again.notified == 0
    _send_pending_emails()
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(event=Event.SYSTEM_ALERT).count() == 1
    html = client.get(reverse("system_status")).content.decode()
    assert SWEEP_ENTRY in html and "administrators e-mailed" in html

    # It runs again: the episode is closed, the page is green.
    BeatJobRun.objects.filter(task=SWEEP_TASK).update(last_started_at=now)
    assert alerts.system_alerts_raise(now=now + datetime.timedelta(minutes=1)).cleared == 1
    assert not SystemAlert.objects.filter(cleared_at__isnull=True).exists()
    html = client.get(reverse("system_status")).content.decode()
    assert "No open alert." in html

    # It stops again later: a new episode, a new e-mail.
    later = now + datetime.timedelta(minutes=10)
    BeatJobRun.objects.update(last_started_at=later)
    BeatJobRun.objects.filter(task=SWEEP_TASK).update(
        last_started_at=later - datetime.timedelta(minutes=5)
    )
    assert alerts.system_alerts_raise(now=later).notified == 1
    _send_pending_emails()
    assert len(mail.outbox) == 2


def test_running_twice_mails_once(administrator, quiet_system):
    now = quiet_system
    BeatJobRun.objects.filter(task=SWEEP_TASK).update(
        last_started_at=now - datetime.timedelta(minutes=3)
    )
    runs = [alerts.system_alerts_raise(now=now) for _ in range(2)]
    assert sorted(run.notified for run in runs) == [0, 1]
    assert Notification.objects.filter(event=Event.SYSTEM_ALERT).count() == 1


# --- workers ----------------------------------------------------------------------------


def test_no_worker_shows_on_the_page_and_alerts_after_the_grace_period(
    client, administrator, monkeypatch, settings, quiet_system
):
    now = quiet_system
    settings.SYSTEM_ALERT_BEAT_INTERVALS = 1000  # only the workers are watched here
    monkeypatch.setattr(status, "workers_seen", lambda timeout=1.0: [])
    client.force_login(administrator)
    html = client.get(reverse("system_status")).content.decode()
    assert "No worker answered" in html

    assert alerts.system_alerts_raise(now=now).notified == 0  # not yet two minutes
    assert SystemAlert.objects.get(cleared_at__isnull=True).condition == "workers"
    assert alerts.system_alerts_raise(now=now + datetime.timedelta(minutes=3)).notified == 1
    _send_pending_emails()
    [message] = mail.outbox
    assert "No Celery worker" in message.body
    assert alerts.system_alerts_raise(now=now + datetime.timedelta(minutes=4)).notified == 0

    monkeypatch.setattr(status, "workers_seen", lambda timeout=1.0: [WORKER])
    assert alerts.system_alerts_raise(now=now + datetime.timedelta(minutes=5)).cleared == 1


def test_the_cron_watchdog_mails_without_a_worker_and_exits_1_while_alerts_are_open(
    administrator, monkeypatch, settings, quiet_system
):
    """`manage.py system_alerts` from cron, with every worker stopped: it sends the e-mail
    itself (nothing else would), once, and its exit status says an alert is open."""
    settings.SYSTEM_ALERT_BEAT_INTERVALS = 1000  # only the workers are watched here
    monkeypatch.setattr(status, "workers_seen", lambda timeout=1.0: [])
    alerts.system_alerts_raise(now=quiet_system - datetime.timedelta(minutes=3))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("system_alerts", stdout=out)
    assert exited.value.code == 1
    assert "administrators told of 1" in out.getvalue() and "e-mails sent 1" in out.getvalue()
    assert "OPEN since" in out.getvalue() and "No Celery worker answers." in out.getvalue()
    [message] = mail.outbox  # sent by the command: no worker ran
    assert "No Celery worker" in message.body
    with pytest.raises(SystemExit):
        call_command("system_alerts", stdout=io.StringIO())
    assert len(mail.outbox) == 1  # the episode is told once

    monkeypatch.setattr(status, "workers_seen", lambda timeout=1.0: [WORKER])
    out = io.StringIO()
    call_command("system_alerts", stdout=out)  # recovered: exit status 0
    assert "cleared 1" in out.getvalue() and "OPEN" not in out.getvalue()


def test_the_worker_running_the_check_counts_as_seen(administrator, monkeypatch, quiet_system):
    monkeypatch.setattr(status, "workers_seen", lambda timeout=1.0: [])
    alerts.system_alerts_raise(now=quiet_system, worker_hostname="celery@busy")
    assert not SystemAlert.objects.exists()


# --- the outbox, the sweep and the disk ---------------------------------------------------


def test_outbox_failures_sla_lag_and_a_full_disk_alert(administrator, settings, quiet_system):
    now = quiet_system
    settings.SYSTEM_ALERT_OUTBOX_FAILED = 1
    settings.SYSTEM_ALERT_DISK_FREE_PERCENT = 101  # any disk is "nearly full"
    _failed_sms(administrator, 2)
    alerts.system_alerts_raise(now=now)
    open_conditions = set(
        SystemAlert.objects.filter(cleared_at__isnull=True).values_list("condition", flat=True)
    )
    assert open_conditions == {"outbox_failed:sms", "disk"}


def test_a_sweep_that_fell_behind_shows_its_lag_and_alerts_until_it_catches_up(
    client, administrator, office, team, settings, quiet_system
):
    from tests.workflows.sla_factories import make_policy
    from workflows.sla.models import SlaClock
    from workflows.sla.services import sla_clock_open
    from workflows.sla.sweep import sla_sweep

    now = quiet_system
    settings.SYSTEM_ALERT_SLA_LAG_MINUTES = 10
    make_policy(key="lag", order=10)
    clock = sla_clock_open(
        subject=team,
        office=office,
        team=team,
        owner=None,
        risk="medium",
        category="child_protection",
        kind="task",
        name="assess",
    )
    # The sweep has not run for 15 minutes while a step was due.
    SlaClock.objects.filter(pk=clock.pk).update(next_step_at=now - datetime.timedelta(minutes=15))
    client.force_login(administrator)
    html = client.get(reverse("system_status")).content.decode()
    assert "has been due for 15" in html

    alerts.system_alerts_raise(now=now)
    assert SystemAlert.objects.get(cleared_at__isnull=True).condition == "sla_lag"

    sla_sweep(now=now)  # it catches up: the step is taken, the next one is in the future
    assert alerts.system_alerts_raise(now=now).cleared == 1
    assert "No escalation step is waiting." in client.get(reverse("system_status")).content.decode()


def test_the_beat_job_runs_the_alerts_and_is_itself_recorded(administrator, quiet_system):
    from workflows.tasks import raise_system_alerts

    BeatJobRun.objects.filter(task=SWEEP_TASK).update(
        last_started_at=quiet_system - datetime.timedelta(minutes=3)
    )
    assert raise_system_alerts.apply().get() == 1
    assert raise_system_alerts.apply().get() == 0  # safe to run twice: no second e-mail
    run = BeatJobRun.objects.get(task="workflows.tasks.raise_system_alerts")
    assert run.last_state == "SUCCESS"
