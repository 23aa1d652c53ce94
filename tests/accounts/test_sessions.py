"""Session lifetime (accounts/sessions.py): the idle timeout and the absolute lifetime, the page
timer's endpoints, sign-out everywhere on a new password or a deactivation, a new session id
at each sign-in."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountAction, AccountEvent, Role
from accounts.sessions import LAST_ACTIVITY_AT, SIGNED_IN_AT
from tests.factories import make_user

PASSWORD = "pass-Word-123"
START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)


def signed_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "could not sign in"
    return client


def is_signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def minutes(n: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=n)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def move(clock, delta: datetime.timedelta) -> None:
    clock.move_to(timezone.now() + delta)


# --- the idle timeout ---------------------------------------------------------------------------


def test_an_idle_session_ends_and_the_person_returns_where_they_were(clock, caseworker):
    client = signed_in("cw")
    assert client.get(reverse("case_list")).status_code == 200
    move(clock, minutes(31))
    response = client.get(reverse("case_list") + "?q=Mensah")
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/cases/%3Fq%3DMensah"
    assert not is_signed_in(client)
    page = client.get(response["Location"]).content.decode()
    assert "You were signed out after 30 minutes without activity." in page
    event = AccountEvent.objects.get(action=AccountAction.SESSION_EXPIRED)
    assert event.subject == caseworker and event.details == {"reason": "idle"}

    response = client.post(
        response["Location"], {"username": "cw", "password": PASSWORD, "next": "/cases/?q=Mensah"}
    )
    assert response.status_code == 302 and response["Location"] == "/cases/?q=Mensah"
    # A fresh session: the message is not shown again.
    assert "without activity" not in client.get("/cases/?q=Mensah").content.decode()


def test_requests_keep_a_session_alive_until_the_absolute_limit(clock, caseworker):
    client = signed_in("cw")
    for _ in range(35):  # a request every 20 minutes: 11 h 40 min
        move(clock, minutes(20))
        assert client.get(reverse("inbox")).status_code == 200
    move(clock, minutes(20))  # 12 h after signing in, busy as ever
    response = client.get(reverse("inbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    page = client.get(response["Location"]).content.decode()
    assert "a session lasts at most 12 hours and yours has ended" in page
    assert AccountEvent.objects.get(action=AccountAction.SESSION_EXPIRED).details == {
        "reason": "age"
    }


def test_the_limits_are_settings(clock, caseworker, settings):
    settings.SESSION_IDLE_MINUTES = 5
    settings.SESSION_MAX_HOURS = 1
    client = signed_in("cw")
    move(clock, minutes(4))
    assert client.get(reverse("inbox")).status_code == 200
    move(clock, minutes(6))
    response = client.get(reverse("inbox"), follow=True)
    assert "You were signed out after 5 minutes without activity." in response.content.decode()

    client = signed_in("cw")
    for _ in range(14):  # every 4 minutes: 56 minutes
        move(clock, minutes(4))
        assert client.get(reverse("inbox")).status_code == 200
    move(clock, minutes(4))
    response = client.get(reverse("inbox"), follow=True)
    assert "a session lasts at most 1 hour and yours has ended" in response.content.decode()


def test_activity_is_written_at_most_once_a_minute(clock, caseworker):
    client = signed_in("cw")
    key = client.session.session_key

    def stored_activity():
        return Session.objects.get(session_key=key).get_decoded()[LAST_ACTIVITY_AT]

    signed_in_at = stored_activity()
    for _ in range(5):
        move(clock, datetime.timedelta(seconds=10))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("case_list")).status_code == 200
        writes = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
        assert not [sql for sql in writes if "django_session" in sql]
    assert stored_activity() == signed_in_at
    move(clock, datetime.timedelta(seconds=15))  # 65 s after the last write
    client.get(reverse("case_list"))
    assert stored_activity() == signed_in_at + 65


def test_the_sign_out_message_is_in_the_persons_language(clock, office):
    make_user(Role.CASEWORKER, office, username="pracownik", preferred_language="pl")
    client = signed_in("pracownik")
    move(clock, minutes(31))
    response = client.get(reverse("inbox"))
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pl"
    page = client.get(response["Location"]).content.decode()
    assert '<html lang="pl">' in page


# --- the page timer's endpoints -----------------------------------------------------------------


def test_the_page_gets_its_timer_values_on_body(clock, caseworker, settings):
    settings.SESSION_WARNING_MINUTES = 3
    client = signed_in("cw")
    move(clock, minutes(10))
    body = client.get(reverse("inbox")).content.decode()
    tag = re.search(r"<body[^>]*>", body).group(0)
    values = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', tag))
    # The request itself was activity: a full 30 minutes of idleness are left.
    assert values["session-idle-left"] == str(30 * 60)
    assert values["session-age-left"] == str(12 * 3600 - 10 * 60)
    assert values["session-warning"] == str(3 * 60)
    assert values["session-status-url"] == reverse("session_status")
    assert values["session-keepalive-url"] == reverse("session_keepalive")
    assert values["session-login-url"] == reverse("login")
    assert values["csrf-token"]
    assert 'id="session-timeout"' in body and "Stay signed in" in body
    # Signed out: no timer, no dialog.
    login = Client().get(reverse("login")).content.decode()
    assert "<body>" in login and 'id="session-timeout"' not in login


def test_asking_how_long_is_left_is_not_activity(clock, caseworker):
    client = signed_in("cw")
    move(clock, minutes(29))
    answer = client.get(reverse("session_status")).json()
    assert answer == {"signed_in": True, "idle_left": 60, "age_left": 12 * 3600 - 29 * 60}
    move(clock, minutes(1.5))  # 30.5 minutes after the last real request
    answer = client.get(reverse("session_status")).json()
    assert answer == {"signed_in": False, "login_url": reverse("login")}
    assert not is_signed_in(client)
    # The sign-in page the timer goes to says why.
    page = client.get(reverse("login") + "?next=/inbox/").content.decode()
    assert "You were signed out after 30 minutes without activity." in page


def test_stay_signed_in_counts_as_activity(clock, caseworker):
    client = signed_in("cw")
    move(clock, minutes(29))
    answer = client.post(reverse("session_keepalive")).json()
    assert answer["signed_in"] is True and answer["idle_left"] == 30 * 60
    move(clock, minutes(29))  # 58 minutes after signing in, 29 after "Stay signed in"
    assert client.get(reverse("inbox")).status_code == 200


def test_stay_signed_in_needs_the_csrf_token(clock, caseworker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(caseworker)
    assert client.post(reverse("session_keepalive")).status_code == 403
    token = re.search(r'data-csrf-token="([^"]+)"', client.get(reverse("inbox")).content.decode())
    response = client.post(reverse("session_keepalive"), HTTP_X_CSRFTOKEN=token.group(1))
    assert response.status_code == 200 and response.json()["signed_in"] is True


def test_the_timer_endpoints_answer_a_signed_out_page_plainly(db):
    client = Client()
    assert client.get(reverse("session_status")).json() == {
        "signed_in": False,
        "login_url": reverse("login"),
    }
    assert client.post(reverse("session_keepalive")).json()["signed_in"] is False
    assert client.post(reverse("session_status")).status_code == 405
    assert client.get(reverse("session_keepalive")).status_code == 405


def test_a_session_from_before_the_limits_starts_its_clock_at_its_next_request(clock, caseworker):
    client = Client()
    client.force_login(caseworker)
    session = client.session
    del session[SIGNED_IN_AT]
    del session[LAST_ACTIVITY_AT]
    session.save()
    assert client.get(reverse("inbox")).status_code == 200
    assert client.session[SIGNED_IN_AT] == START.timestamp()


# --- sign-out everywhere, and a new session id at sign-in --------------------------------------


def test_a_new_password_signs_out_every_session(caseworker):
    desk, phone = signed_in("cw"), signed_in("cw")
    assert desk.get(reverse("inbox")).status_code == 200
    assert phone.get(reverse("inbox")).status_code == 200
    caseworker.set_password("a-new-Password-456")
    caseworker.save()
    for client in (desk, phone):
        response = client.get(reverse("inbox"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert not is_signed_in(client)


def test_an_administrator_setting_a_password_signs_the_person_out_everywhere(office, caseworker):
    admin = make_user(None, office, username="root", is_staff=True, is_superuser=True)
    desk, phone = signed_in("cw"), signed_in("cw")
    admin_client = signed_in("root")
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[caseworker.pk]),
        {"password1": "a-new-Password-456", "password2": "a-new-Password-456"},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    for client in (desk, phone):
        assert client.get(reverse("inbox")).status_code == 302
        assert not is_signed_in(client)
    # The administrator's own session is untouched.
    assert admin_client.get(reverse("admin:index")).status_code == 200
    assert is_signed_in(admin_client) and admin_client.session[SESSION_KEY] == str(admin.pk)


def test_deactivating_an_account_signs_it_out_everywhere(caseworker):
    desk, phone = signed_in("cw"), signed_in("cw")
    caseworker.is_active = False
    caseworker.save()
    for client in (desk, phone):
        response = client.get(reverse("inbox"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert client.get(reverse("session_status")).json()["signed_in"] is False
    # And it cannot sign in again.
    response = Client().post(reverse("login"), {"username": "cw", "password": PASSWORD})
    assert response.status_code == 200 and SESSION_KEY not in response.client.session


def test_the_session_id_changes_at_sign_in(caseworker):
    client = Client()
    before = client.session  # an anonymous session, as a visitor's cart or language would make
    before["seen"] = True
    before.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = before.session_key
    client.post(reverse("login"), {"username": "cw", "password": PASSWORD})
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after and after != before.session_key
    assert not Session.objects.filter(session_key=before.session_key).exists()
    assert client.session[SESSION_KEY] == str(caseworker.pk)


def test_signing_in_starts_both_clocks(clock, caseworker):
    client = signed_in("cw")
    assert client.session[SIGNED_IN_AT] == START.timestamp()
    assert client.session[LAST_ACTIVITY_AT] == START.timestamp()
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 12 * 3600
