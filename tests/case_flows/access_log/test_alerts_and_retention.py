"""The bulk-read alert (the real task function, no worker) and the retention purge; the
database refuses changes to the log outside the purge."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import timezone

import case_flows.cases.services as case_services
from accounts.models import Role
from case_flows.models import AccessAction, AccessAlert, AccessEvent
from case_flows.tasks import purge_access_log, raise_access_alerts
from notifications.models import Event, Notification
from notifications.rendering import in_app_text, render_email
from tests.factories import category, make_person, make_user

pytestmark = pytest.mark.django_db


def open_cases(office, actor, n):
    return [
        case_services.case_open(
            actor=actor,
            person=make_person(office, "Ama", f"Owusu{i}"),
            office=office,
            category=category(),
            risk="low",
            source="walk_in",
            presenting_concerns="Concern",
        )
        for i in range(n)
    ]


def reads(user, cases, at):
    AccessEvent.objects.bulk_create(
        [
            AccessEvent(
                at=at, user=user, office=user.home_office, action=AccessAction.VIEW_CASE, case=c
            )
            for c in cases
        ]
    )


@override_settings(ACCESS_ALERT_CASES_PER_HOUR=2)
def test_a_person_reading_many_cases_is_reported_once(
    office, other_office, supervisor, caseworker, django_capture_on_commit_callbacks
):
    cases = open_cases(office, supervisor, 3)
    local = make_user(Role.DATA_PROTECTION_OFFICER, office, username="iod", email="iod@x.org")
    national = make_user(
        Role.DATA_PROTECTION_OFFICER, other_office, username="iod-n", is_national=True
    )
    make_user(Role.DATA_PROTECTION_OFFICER, other_office, username="iod-pl")  # not theirs
    now = timezone.now()
    reads(caseworker, cases, now - datetime.timedelta(minutes=10))
    reads(supervisor, cases[:2], now - datetime.timedelta(minutes=5))  # at the limit: fine
    reads(supervisor, cases[2:], now - datetime.timedelta(minutes=70))  # an hour ago

    with django_capture_on_commit_callbacks(execute=True):
        assert raise_access_alerts() == 1
    alerted = Notification.objects.filter(event=Event.ACCESS_ALERT)
    assert {n.recipient for n in alerted} == {local, national}
    alert = AccessAlert.objects.get()
    assert alert.user == caseworker and alert.case_count == 3
    note = alerted.get(recipient=local)
    assert note.link == f"/privacy/access-log/?user={caseworker.pk}"
    assert in_app_text(note) == (
        f"{caseworker} opened 3 different cases within one hour (the limit is 2)."
    )
    subject, text, _html = render_email(note, local)
    assert str(caseworker) not in subject + text  # only the kind and the link leave the app

    # The next runs within the hour tell nobody again.
    assert raise_access_alerts() == 0
    assert Notification.objects.filter(event=Event.ACCESS_ALERT).count() == 2


@override_settings(ACCESS_LOG_RETENTION_DAYS=30)
def test_the_purge_deletes_only_rows_past_the_retention_period(caseworker, new_case):
    now = timezone.now()
    reads(caseworker, [new_case] * 5, now - datetime.timedelta(days=31))
    reads(caseworker, [new_case] * 2, now - datetime.timedelta(days=29))
    from case_flows.access_log.retention import access_log_purge

    assert access_log_purge(batch_size=2) == 5  # three batches
    assert AccessEvent.objects.count() == 2
    assert purge_access_log() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_log_refuses_updates_and_deletes_outside_the_purge(caseworker, new_case):
    reads(caseworker, [new_case], timezone.now() - datetime.timedelta(days=3000))
    row = AccessEvent.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=row.pk).update(target="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=row.pk).delete()
    assert AccessEvent.objects.get().target == ""
