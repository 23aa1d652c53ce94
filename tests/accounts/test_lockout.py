"""Lockout after failed sign-ins (accounts/lockout.py, django-axes): per username, per address,
the cool-off, unlocking by a manager or administrator, and the audit trail of each step."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse

from accounts.models import AccountAction, AccountEvent, Role
from tests.factories import make_office, make_user

PASSWORD = "pass-Word-123"  # tests.factories.make_user
OFFICE_ADDRESS = "203.0.113.7"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def sign_in(client, username, password, address=OFFICE_ADDRESS):
    response = client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )
    return response, "_auth_user_id" in client.session


def fail(client, username, times, address=OFFICE_ADDRESS):
    responses = [sign_in(client, username, "wrong-password", address)[0] for _ in range(times)]
    return responses[-1]


def events(action, **filters):
    return AccountEvent.objects.filter(action=action, **filters).order_by("id")


def test_wrong_passwords_below_the_limit_show_the_form_error(client, caseworker):
    for _ in range(4):
        response, signed_in = sign_in(client, "cw", "wrong")
        assert response.status_code == 200 and not signed_in
        assert "The username or password is not correct" in response.content.decode()
    response, signed_in = sign_in(client, "cw", PASSWORD)
    assert signed_in


def test_the_fifth_failure_locks_the_username_and_the_right_password_is_refused(client, caseworker):
    for _ in range(4):
        fail(client, "cw", 1)
    response = fail(client, "cw", 1)
    body = response.content.decode()
    assert response.status_code == 429
    assert "Sign-in is locked" in body
    assert "too many failed sign-in attempts for this account" in body
    assert "You can try again in 30 minutes." in body
    assert "The username or password is not correct" not in body  # not axes' text, not the form

    response, signed_in = sign_in(client, "cw", PASSWORD)
    assert response.status_code == 429 and not signed_in
    assert "Sign-in is locked" in response.content.decode()

    failed = events(AccountAction.SIGN_IN_FAILED, subject=caseworker)
    assert failed.count() == 6
    assert all(event.address == OFFICE_ADDRESS for event in failed)
    assert [event.details.get("refused_while_locked", False) for event in failed] == [False] * 5 + [
        True
    ]
    (locked,) = events(AccountAction.LOCKED_OUT)
    assert locked.subject == caseworker and locked.address == OFFICE_ADDRESS
    assert locked.office_id == caseworker.home_office_id
    assert locked.details["locked_by"] == ["username"]
    assert locked.details["username_failures"] == 5


def test_the_lock_is_per_username_whatever_the_address(client, caseworker):
    for n in range(5):
        fail(client, "cw", 1, address=f"198.51.100.{n + 1}")
    response, signed_in = sign_in(client, "cw", PASSWORD, address="192.0.2.55")
    assert response.status_code == 429 and not signed_in


def test_attempts_refused_during_the_lock_do_not_extend_it(client, caseworker):
    with time_machine.travel(T0, tick=False) as clock:
        fail(client, "cw", 5)
        clock.shift(timedelta(minutes=20))
        response = fail(client, "cw", 3)
        assert "You can try again in 10 minutes." in response.content.decode()
        clock.shift(timedelta(minutes=10, seconds=1))
        assert sign_in(client, "cw", PASSWORD)[1]
    assert events(AccountAction.LOCKED_OUT).count() == 1


def test_the_lock_ends_after_the_cool_off(client, caseworker):
    with time_machine.travel(T0, tick=False) as clock:
        fail(client, "cw", 5)
        clock.shift(timedelta(minutes=29))
        response, signed_in = sign_in(client, "cw", PASSWORD)
        assert response.status_code == 429 and not signed_in
        assert "You can try again in 1 minute." in response.content.decode()
        clock.shift(timedelta(minutes=1, seconds=1))
        response, signed_in = sign_in(client, "cw", PASSWORD)
        assert signed_in


def test_failures_further_apart_than_the_cool_off_do_not_add_up(client, caseworker):
    with time_machine.travel(T0, tick=False) as clock:
        fail(client, "cw", 4)
        clock.shift(timedelta(minutes=31))
        response = fail(client, "cw", 1)
        assert response.status_code == 200
        assert sign_in(client, "cw", PASSWORD)[1]


def test_a_success_resets_the_username_count(client, caseworker):
    fail(client, "cw", 4)
    assert sign_in(client, "cw", PASSWORD)[1]
    client.logout()
    assert fail(client, "cw", 4).status_code == 200
    assert sign_in(client, "cw", PASSWORD)[1]


def test_a_colleague_signing_in_from_the_same_address_does_not_reset_an_attack(
    client, caseworker, supervisor
):
    fail(client, "cw", 3)
    assert sign_in(client, "sup", PASSWORD)[1]
    client.logout()
    assert fail(client, "cw", 2).status_code == 429


def test_an_office_behind_one_address_is_locked_only_at_the_higher_limit(
    client, caseworker, supervisor, office
):
    # 19 failures from one address, 3 or fewer per username: a busy office's typos.
    for n in range(6):
        fail(client, f"typo{n}", 3)
    fail(client, "typo-last", 1)
    assert sign_in(client, "sup", PASSWORD)[1]  # (a success resets only the username's count)
    client.logout()
    response = fail(client, "another-typo", 1)  # the 20th failure from the address
    assert response.status_code == 429
    assert "from your network" in response.content.decode()

    response, signed_in = sign_in(client, "cw", PASSWORD)
    assert response.status_code == 429 and not signed_in
    # The same person from elsewhere is not locked: the username has no failures.
    assert sign_in(client, "cw", PASSWORD, address="192.0.2.10")[1]

    (locked,) = events(AccountAction.LOCKED_OUT)
    assert locked.details["locked_by"] == ["address"]
    assert locked.details["address_failures"] == 20
    assert locked.username == "another-typo" and locked.subject is None


def test_the_locked_page_is_the_same_for_an_unknown_username(client, caseworker):
    known = fail(client, "cw", 5).content.decode()
    unknown = fail(client, "nobody-here", 5, address="192.0.2.99").content.decode()

    def main(body):
        return body[body.index("<main") : body.index("</main>")]

    assert main(known) == main(unknown)
    failed = events(AccountAction.SIGN_IN_FAILED, username="nobody-here")
    assert failed.count() == 5 and failed.filter(subject__isnull=True).count() == 5


def test_until_an_administrator_unlocks_when_the_period_is_zero(
    client, caseworker, manager, settings
):
    settings.LOCKOUT_MINUTES = 0
    settings.AXES_COOLOFF_TIME = None
    with time_machine.travel(T0, tick=False) as clock:
        response = fail(client, "cw", 5)
        assert "until your manager or an administrator unlocks it" in response.content.decode()
        clock.shift(timedelta(days=365))
        assert sign_in(client, "cw", PASSWORD)[0].status_code == 429
        client.force_login(manager)
        client.post(reverse("account_unlock", args=[caseworker.pk]))
        client.logout()
        assert sign_in(client, "cw", PASSWORD)[1]


def test_the_demo_password_is_refused_in_production_and_counts_as_a_failure(
    client, settings, office
):
    user = make_user(Role.CASEWORKER, office, username="demo-user")
    user.set_password("demo")
    user.save()
    settings.REFUSE_DEMO_PASSWORDS = True
    for _ in range(4):
        response, signed_in = sign_in(client, "demo-user", "demo")
        assert response.status_code == 200 and not signed_in
    assert fail(client, "demo-user", 1).status_code == 429
    assert events(AccountAction.SIGN_IN_FAILED, subject=user).count() == 5


# --- unlocking ----------------------------------------------------------------------------------


def locked(client, user):
    fail(client, user.username, 5)
    assert AccessAttempt.objects.filter(username=user.username).exists()


def test_a_manager_of_the_office_unlocks_their_caseworker(client, caseworker, manager):
    locked(client, caseworker)
    client.force_login(manager)
    url = reverse("account_unlock", args=[caseworker.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Locked until" in page.content.decode()

    response = client.post(url, REMOTE_ADDR="192.0.2.20", follow=True)
    assert "can sign in again" in response.content.decode()
    assert "Not locked" in response.content.decode()
    (unlocked,) = events(AccountAction.UNLOCKED)
    assert unlocked.actor == manager and unlocked.subject == caseworker
    assert unlocked.address == "192.0.2.20"
    assert unlocked.details == {"was_locked": True, "failures_cleared": 5}

    client.logout()
    assert sign_in(client, "cw", PASSWORD)[1]


def test_a_manager_of_another_office_gets_404_and_nothing_changes(client, caseworker):
    other_manager = make_user(Role.MANAGER, make_office("OTH"), username="other-mgr")
    locked(client, caseworker)
    client.force_login(other_manager)
    url = reverse("account_unlock", args=[caseworker.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not events(AccountAction.UNLOCKED).exists()
    client.logout()
    assert sign_in(client, "cw", PASSWORD)[0].status_code == 429


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.SUPERVISOR])
def test_a_caseworker_or_supervisor_may_not_unlock(client, caseworker, office, role):
    actor = make_user(role, office, username=f"actor-{role}")
    locked(client, caseworker)
    client.force_login(actor)
    url = reverse("account_unlock", args=[caseworker.pk])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert not events(AccountAction.UNLOCKED).exists()


def test_an_administrator_unlocks_anyone_and_a_stranger_is_sent_to_sign_in(client, caseworker):
    admin = make_user(Role.ADMINISTRATOR, make_office("HQ"), username="it-admin", is_national=True)
    locked(client, caseworker)
    url = reverse("account_unlock", args=[caseworker.pk])
    response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(admin)
    response = client.post(url + "?next=https://evil.example/", {"next": "https://evil.example/"})
    assert response["Location"] == url  # an outside `next` is ignored
    assert not AccessAttempt.objects.filter(username="cw").exists()
    assert events(AccountAction.UNLOCKED, actor=admin).count() == 1


def test_a_password_reset_lifts_the_lock(client, caseworker):
    from accounts.passwords import password_reset_complete

    locked(client, caseworker)
    password_reset_complete(user=caseworker, new_password="a-new-long-Password-9")
    assert sign_in(client, "cw", "a-new-long-Password-9")[1]
    unlocked = events(AccountAction.UNLOCKED).get()
    assert unlocked.details["by"] == "password_reset" and unlocked.actor == caseworker


# --- the admin ----------------------------------------------------------------------------------


def test_the_user_admin_action_unlocks_and_is_recorded(client, caseworker, office):
    superuser = make_user(None, None, username="root", is_staff=True, is_superuser=True)
    locked(client, caseworker)
    client.force_login(superuser)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [caseworker.pk]},
        follow=True,
    )
    assert "1 user can sign in again." in response.content.decode()
    assert events(AccountAction.UNLOCKED, actor=superuser, subject=caseworker).count() == 1
    assert not AccessAttempt.objects.exists()


def test_the_attempts_admin_is_read_only_and_unlocks_an_address(client, caseworker):
    for n in range(10):
        fail(client, f"spray{n}", 2)
    assert sign_in(client, "cw", PASSWORD)[0].status_code == 429  # the address is locked
    admin = make_user(Role.ADMINISTRATOR, None, username="it-admin", is_staff=True)
    client.force_login(admin)
    changelist = reverse("admin:axes_accessattempt_changelist")
    page = client.get(changelist)
    assert page.status_code == 200 and "spray3" in page.content.decode()
    attempt = AccessAttempt.objects.get(username="spray3")
    detail = client.get(reverse("admin:axes_accessattempt_change", args=[attempt.pk]))
    assert detail.status_code == 200 and 'name="username"' not in detail.content.decode()
    assert (
        client.get(reverse("admin:axes_accessattempt_delete", args=[attempt.pk])).status_code == 403
    )
    client.post(
        changelist,
        {
            "action": "unlock",
            "_selected_action": list(AccessAttempt.objects.values_list("pk", flat=True)),
        },
    )
    assert events(AccountAction.UNLOCKED, actor=admin).count() == 10
    assert events(AccountAction.UNLOCKED).first().details["address"] == OFFICE_ADDRESS
    client.logout()
    assert sign_in(client, "cw", PASSWORD)[1]


def test_a_manager_does_not_see_the_attempts_admin(client, manager):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403
