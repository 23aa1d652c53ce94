"""Two-step sign-in (accounts/second_factor): enrolment with a real TOTP code, the second step
after the password, wrong codes, replay, backup codes, the reset, and sessions trusted to SSO.

Codes are computed here from the secret the page shows, as an authenticator app would, with
django-otp's own TOTP (RFC 6238); time stands still (time_machine) so a code never straddles
the 30-second step by accident.
"""

import re
from base64 import b32decode
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccountAction, AccountEvent, Role
from accounts.second_factor import state
from accounts.second_factor.services import (
    second_factor_enrol,
    second_factor_enrolment_begin,
    second_factor_reset,
)
from tests.factories import make_office, make_user

PASSWORD = "pass-Word-123"
REQUIRED = ["supervisor", "manager", "administrator", "superuser"]
NOW = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)  # 10 s into a 30-second step


@pytest.fixture(autouse=True)
def _still_time(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = REQUIRED


def sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, "the password was not accepted"
    return response


def code_for(key: bytes, *, steps_ahead: int = 0) -> str:
    totp = TOTP(key)
    totp.time = NOW.timestamp() + 30 * steps_ahead
    return f"{totp.token():06d}"


def secret_on_page(body: str) -> bytes:
    """The key the enrolment page gives for typing in, decoded as an app would."""
    match = re.search(r'id="totp-secret"[^>]*>([A-Z2-7 ]+)</textarea>', body)
    assert match, "the enrolment page shows no key"
    return b32decode(match.group(1).replace(" ", ""))


def backup_codes_on_page(body: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", body)


def enrol(client) -> tuple[bytes, list[str]]:
    """Through the pages, as the person would: read the key, type the app's code."""
    page = client.get(reverse("second_factor"))
    assert page.status_code == 200
    key = secret_on_page(page.content.decode())
    response = client.post(reverse("second_factor"), {"code": code_for(key)})
    assert response.status_code == 302, response.content.decode()[:2000]
    codes_page = client.get(response["Location"])
    codes = backup_codes_on_page(codes_page.content.decode())
    return key, codes


def actions(user) -> list[str]:
    return list(
        AccountEvent.objects.filter(subject=user).order_by("id").values_list("action", flat=True)
    )


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- who must: sent to enrolment, and nowhere else ----------------------------------------------


def test_supervisor_who_must_is_sent_to_enrolment_right_after_the_password(
    client, supervisor, required
):
    response = sign_in(client, supervisor)
    landing = client.get(response["Location"])
    assert landing.status_code == 302
    assert landing["Location"].startswith(reverse("second_factor") + "?next=")
    page = client.get(landing["Location"])
    body = page.content.decode()
    assert "Set up two-step sign-in" in body and "Your role requires two-step sign-in" in body
    assert '<svg role="img"' in body and "<title>QR code for your authenticator app</title>" in body
    assert len(secret_on_page(body)) == 20  # the 160-bit key, 32 characters in 8 groups
    assert "<script" not in body.split("<main", 1)[1]  # nothing inline for the CSP to allow


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/inbox/",
        "/cases/",
        "/approvals/",
        "/notifications/",
        "/notifications/preferences/",
        "/admin/",
        "/admin/accounts/user/",
        "/accounts/two-factor/verify/",
        "/accounts/two-factor/backup-codes/",
        "/accounts/login/",
    ],
)
def test_every_page_sends_an_unenrolled_supervisor_to_enrolment(client, supervisor, required, url):
    sign_in(client, supervisor)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor"))


def test_the_page_asked_for_is_kept_as_next(client, supervisor, required):
    sign_in(client, supervisor)
    response = client.get("/cases/?stage=intake")
    assert response["Location"] == reverse("second_factor") + "?next=%2Fcases%2F%3Fstage%3Dintake"


def test_forms_and_scripts_are_refused_with_403_not_a_redirect(client, supervisor, required):
    sign_in(client, supervisor)
    form = client.post(reverse("case_new"), {"given_name": "Kofi"})
    assert form.status_code == 403
    assert "Set up two-step sign-in first." in form.content.decode()
    script = client.get(reverse("inbox"), HTTP_ACCEPT="application/json")
    assert script.status_code == 403
    assert script.json() == {"error": "Set up two-step sign-in first."}
    xhr = client.get(reverse("inbox"), HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert xhr.status_code == 403
    from case_flows.models import Person

    assert not Person.objects.exists()


def test_sign_out_and_language_work_while_enrolment_is_owed(client, supervisor, required):
    sign_in(client, supervisor)
    language = client.post(reverse("set_language"), {"language": "pl", "next": "/"})
    assert language.status_code == 302
    supervisor.refresh_from_db()
    assert supervisor.preferred_language == "pl"
    static = client.get("/static/css/app.css")
    assert static.status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_enrolment_with_a_real_code_turns_it_on_and_shows_ten_backup_codes_once(
    client, supervisor, required
):
    sign_in(client, supervisor)
    page = client.get(reverse("second_factor") + "?next=/cases/")
    key = secret_on_page(page.content.decode())
    response = client.post(reverse("second_factor"), {"code": code_for(key), "next": "/cases/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("second_factor_backup_codes") + "?next=%2Fcases%2F"
    codes_page = client.get(response["Location"])
    codes = backup_codes_on_page(codes_page.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert codes_page["Cache-Control"] == "no-store"
    assert 'href="/cases/"' in codes_page.content.decode()
    # Shown once: the next visit has no codes.
    again = client.get(reverse("second_factor_backup_codes"))
    assert again.status_code == 302
    device = TOTPDevice.objects.get(user=supervisor)
    assert device.confirmed and device.bin_key == key
    assert sorted(
        StaticToken.objects.filter(device__user=supervisor).values_list("token", flat=True)
    ) == sorted(codes)
    assert actions(supervisor)[-2:] == [
        AccountAction.SECOND_FACTOR_ENROLLED,
        AccountAction.BACKUP_CODES_CREATED,
    ]
    # The session is free now.
    assert client.get(reverse("case_list")).status_code == 200


def test_a_wrong_code_at_enrolment_changes_nothing(client, supervisor, required):
    sign_in(client, supervisor)
    key = secret_on_page(client.get(reverse("second_factor")).content.decode())
    wrong = "000000" if code_for(key) != "000000" else "111111"
    response = client.post(reverse("second_factor"), {"code": wrong})
    assert response.status_code == 400
    assert "That code is not correct." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=supervisor, confirmed=True).exists()
    # The same key is offered again (the app already holds it).
    assert secret_on_page(response.content.decode()) == key
    letters = client.post(reverse("second_factor"), {"code": "abcdef"})
    assert "Enter the 6 digits." in letters.content.decode()
    assert client.get("/cases/").status_code == 302


# --- the second step ---------------------------------------------------------------------------


@pytest.fixture
def enrolled(client, supervisor, required):
    """The supervisor has enrolled and signed out again: (key, backup codes)."""
    sign_in(client, supervisor)
    key, codes = enrol(client)
    client.post(reverse("logout"))
    return key, codes


def test_an_enrolled_person_is_asked_for_the_code_before_anything_else(
    client, supervisor, enrolled
):
    key, _codes = enrolled
    sign_in(client, supervisor)
    response = client.get("/cases/")
    assert response.status_code == 302
    assert response["Location"] == reverse("second_factor_verify") + "?next=%2Fcases%2F"
    assert client.get(reverse("second_factor")).status_code == 302  # not the status page either
    page = client.get(response["Location"])
    assert "Code from your authenticator app, or a backup code" in page.content.decode()
    ok = client.post(
        response["Location"], {"code": code_for(key, steps_ahead=1), "next": "/cases/"}
    )
    assert ok.status_code == 302 and ok["Location"] == "/cases/"
    assert client.get("/cases/").status_code == 200


def test_the_session_id_changes_when_the_code_is_accepted(client, supervisor, enrolled):
    key, _codes = enrolled
    sign_in(client, supervisor)
    before = client.session.session_key
    client.post(reverse("second_factor_verify"), {"code": code_for(key, steps_ahead=1)})
    assert client.session.session_key != before


def test_next_to_another_site_is_ignored(client, supervisor, enrolled):
    key, _codes = enrolled
    sign_in(client, supervisor)
    response = client.post(
        reverse("second_factor_verify"),
        {"code": code_for(key, steps_ahead=1), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("home")


def test_a_wrong_code_is_an_error_with_the_tries_left_and_is_recorded(client, supervisor, enrolled):
    key, _codes = enrolled
    sign_in(client, supervisor)
    wrong = code_for(key, steps_ahead=5)
    response = client.post(reverse("second_factor_verify"), {"code": wrong})
    assert response.status_code == 400
    assert "That code is not correct. 4 tries left." in response.content.decode()
    event = AccountEvent.objects.filter(subject=supervisor).latest("id")
    assert event.action == AccountAction.SECOND_FACTOR_FAILED
    assert event.details["code_kind"] == "app" and event.details["wrong_in_a_row"] == 1
    assert event.address == "127.0.0.1"
    assert client.get("/cases/").status_code == 302


def test_a_code_typed_again_at_once_waits_for_the_throttle(client, supervisor, enrolled):
    """django-otp's throttle: after n wrong codes no code is checked for 2**(n-1) seconds."""
    key, _codes = enrolled
    sign_in(client, supervisor)
    client.post(reverse("second_factor_verify"), {"code": code_for(key, steps_ahead=5)})
    throttled = client.post(reverse("second_factor_verify"), {"code": code_for(key, steps_ahead=1)})
    assert throttled.status_code == 400
    assert "Too many wrong codes in a row. Wait 1 second" in throttled.content.decode()
    assert client.get("/cases/").status_code == 302  # the right code was not even checked


def test_five_wrong_codes_in_a_row_sign_the_session_out(client, supervisor, enrolled, time_machine):
    key, _codes = enrolled
    sign_in(client, supervisor)
    wrong = code_for(key, steps_ahead=7)
    for attempt in range(1, 5):
        response = client.post(reverse("second_factor_verify"), {"code": wrong})
        assert f"{5 - attempt} tr" in response.content.decode()
        time_machine.shift(timedelta(seconds=2 ** (attempt - 1)))  # past the throttle's wait
    response = client.post(reverse("second_factor_verify"), {"code": wrong}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You were signed out after 5 wrong codes. Sign in again." in response.content.decode()
    assert "_auth_user_id" not in client.session
    failed = AccountEvent.objects.filter(
        subject=supervisor, action=AccountAction.SECOND_FACTOR_FAILED
    )
    assert failed.count() == 5
    assert [e.details["wrong_in_a_row"] for e in failed.order_by("id")] == [1, 2, 3, 4, 5]


def test_the_throttle_outlives_the_session(client, supervisor, enrolled, time_machine):
    """Signing in again does not buy fresh fast guesses: the device's count stays."""
    key, _codes = enrolled
    sign_in(client, supervisor)
    wrong = code_for(key, steps_ahead=7)
    for attempt in range(1, 6):
        if attempt > 1:
            time_machine.shift(timedelta(seconds=2 ** (attempt - 2)))
        client.post(reverse("second_factor_verify"), {"code": wrong})
    assert "_auth_user_id" not in client.session
    sign_in(client, supervisor)
    response = client.post(reverse("second_factor_verify"), {"code": code_for(key, steps_ahead=1)})
    assert "Too many wrong codes in a row. Wait" in response.content.decode()
    time_machine.shift(timedelta(seconds=16))
    response = client.post(reverse("second_factor_verify"), {"code": code_for(key, steps_ahead=1)})
    assert response.status_code == 302


def test_a_code_cannot_be_used_twice(client, supervisor, required, time_machine):
    sign_in(client, supervisor)
    key, _codes = enrol(client)
    used = code_for(key)  # accepted at enrolment
    client.post(reverse("logout"))
    sign_in(client, supervisor)
    replay = client.post(reverse("second_factor_verify"), {"code": used})
    assert replay.status_code == 400
    assert "That code is not correct." in replay.content.decode()
    # A code accepted in one browser is refused in another (a code seen over a shoulder).
    next_code = code_for(key, steps_ahead=1)
    client.post(reverse("logout"))
    first, second = Client(), Client()
    sign_in(first, supervisor)
    sign_in(second, supervisor)
    time_machine.shift(timedelta(seconds=2))  # past the throttle of the failed replay above
    assert first.post(reverse("second_factor_verify"), {"code": next_code}).status_code == 302
    assert second.post(reverse("second_factor_verify"), {"code": next_code}).status_code == 400


def test_a_backup_code_works_once(client, supervisor, enrolled, time_machine):
    _key, codes = enrolled
    sign_in(client, supervisor)
    typed = f"{codes[0][:4].upper()}-{codes[0][4:].upper()}"  # as someone copies it from paper
    assert client.post(reverse("second_factor_verify"), {"code": typed}).status_code == 302
    status = client.get(reverse("second_factor")).content.decode()
    assert "Backup codes left" in status and "<dd>9</dd>" in status
    client.post(reverse("logout"))
    sign_in(client, supervisor)
    again = client.post(reverse("second_factor_verify"), {"code": codes[0]})
    assert again.status_code == 400
    assert "That code is not correct." in again.content.decode()
    time_machine.shift(timedelta(seconds=2))
    assert client.post(reverse("second_factor_verify"), {"code": codes[1]}).status_code == 302


def test_new_backup_codes_replace_the_old_ones(client, supervisor, enrolled):
    key, old = enrolled
    sign_in(client, supervisor)
    client.post(reverse("second_factor_verify"), {"code": code_for(key, steps_ahead=1)})
    response = client.post(reverse("second_factor_backup_codes"))
    assert response["Location"] == reverse("second_factor_backup_codes")
    new = backup_codes_on_page(client.get(response["Location"]).content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert actions(supervisor)[-1] == AccountAction.BACKUP_CODES_CREATED
    client.post(reverse("logout"))
    sign_in(client, supervisor)
    assert client.post(reverse("second_factor_verify"), {"code": old[0]}).status_code == 400


def test_the_status_page_says_since_when_and_how_many_codes(client, supervisor, required):
    sign_in(client, supervisor)
    enrol(client)
    body = client.get(reverse("second_factor")).content.decode()
    assert "On since 2 Mar 2026" in body
    assert "<dd>10</dd>" in body
    assert "Your role requires two-step sign-in, so it cannot be turned off." in body
    response = client.post(reverse("second_factor_disable"), {"off-code": "123456"})
    assert "cannot be turned off" in response.content.decode()
    assert TOTPDevice.objects.filter(user=supervisor, confirmed=True).exists()


def test_the_user_menu_links_to_the_status_page(client, caseworker):
    client.force_login(caseworker)
    body = client.get(reverse("case_list")).content.decode()
    assert f'href="{reverse("second_factor")}" class="two-step-link">Two-step sign-in</a>' in body


# --- voluntary: caseworkers and providers ------------------------------------------------------


def test_a_caseworker_is_not_asked_but_may_turn_it_on_and_off(client, caseworker, required):
    sign_in(client, caseworker)
    assert client.get(reverse("case_list")).status_code == 200
    page = client.get(reverse("second_factor")).content.decode()
    assert "Two-step sign-in is off." in page
    key, codes = enrol(client)
    assert len(codes) == 10
    client.post(reverse("logout"))
    # Once on, it is asked for at every sign-in.
    sign_in(client, caseworker)
    assert client.get(reverse("case_list"))["Location"].startswith(reverse("second_factor_verify"))
    client.post(reverse("second_factor_verify"), {"code": code_for(key, steps_ahead=1)})
    # Turning it off takes a current code.
    wrong = client.post(
        reverse("second_factor_disable"), {"off-code": code_for(key, steps_ahead=6)}
    )
    assert wrong.status_code == 400 and "That code is not correct." in wrong.content.decode()
    assert TOTPDevice.objects.filter(user=caseworker).exists()
    off = client.post(reverse("second_factor_disable"), {"off-code": codes[3]}, follow=True)
    assert "Two-step sign-in is off." in off.content.decode()
    assert not TOTPDevice.objects.filter(user=caseworker, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=caseworker).exists()
    event = AccountEvent.objects.filter(subject=caseworker).latest("id")
    assert event.action == AccountAction.SECOND_FACTOR_RESET
    assert event.actor == caseworker and event.details == {"turned_off_by_owner": True}
    client.post(reverse("logout"))
    sign_in(client, caseworker)
    assert client.get(reverse("case_list")).status_code == 200


def test_with_no_required_roles_nobody_is_sent_to_enrolment(client, supervisor, settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = []
    sign_in(client, supervisor)
    assert client.get(reverse("case_list")).status_code == 200


def test_superusers_must_when_the_setting_says_so(client, office, required):
    root = make_user(None, office, username="root", is_superuser=True, is_staff=True)
    sign_in(client, root)
    assert client.get("/admin/")["Location"].startswith(reverse("second_factor"))


# --- single sign-on ----------------------------------------------------------------------------


def _sso_session(client, user):
    client.force_login(user)
    session = client.session
    session[state.AUTH_METHOD_KEY] = "sso"
    session.save()


def test_a_session_signed_in_by_sso_counts_as_verified(client, supervisor, enrolled):
    _sso_session(client, supervisor)
    assert client.get(reverse("case_list")).status_code == 200


def test_sso_is_not_trusted_when_the_setting_is_off(client, supervisor, enrolled, settings):
    settings.TWO_FACTOR_TRUST_SSO = False
    _sso_session(client, supervisor)
    assert client.get(reverse("case_list"))["Location"].startswith(reverse("second_factor_verify"))


# --- sessions from before the feature ----------------------------------------------------------


def test_a_session_without_a_state_is_decided_on_its_next_page(client, supervisor, required):
    client.force_login(supervisor)
    session = client.session
    del session[state.SESSION_KEY]
    session.save()
    assert client.get(reverse("case_list"))["Location"].startswith(reverse("second_factor"))


def test_a_page_costs_no_query_for_the_second_factor(rf, caseworker, django_assert_num_queries):
    from accounts.second_factor.middleware import SecondFactorMiddleware

    request = rf.get("/cases/")
    request.user = caseworker
    request.session = {state.SESSION_KEY: state.DONE}
    middleware = SecondFactorMiddleware(lambda r: None)
    with django_assert_num_queries(0):
        assert middleware.process_view(request, None, (), {}) is None


# --- the reset ---------------------------------------------------------------------------------


@pytest.fixture
def supervisor_enrolled(supervisor):
    """Enrolled through the services (the pages are tested above)."""
    device = second_factor_enrolment_begin(actor=supervisor)
    second_factor_enrol(actor=supervisor, code=code_for(device.bin_key))
    return supervisor


def test_the_manager_of_the_office_resets_it_and_the_person_enrols_again(
    client, manager, supervisor_enrolled, settings
):
    supervisor = supervisor_enrolled
    client.force_login(manager)
    response = client.post(
        reverse("second_factor_reset", args=[supervisor.pk]), {"next": "/cases/"}
    )
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert "is reset" in message_texts(response)[0]
    assert not TOTPDevice.objects.filter(user=supervisor).exists()
    assert not StaticToken.objects.filter(device__user=supervisor).exists()
    event = AccountEvent.objects.filter(subject=supervisor).latest("id")
    assert event.action == AccountAction.SECOND_FACTOR_RESET and event.actor == manager
    assert event.office == supervisor.home_office
    # At the next sign-in the supervisor sets it up again.
    settings.TWO_FACTOR_REQUIRED_ROLES = REQUIRED
    client.post(reverse("logout"))
    sign_in(client, supervisor)
    assert client.get("/cases/")["Location"].startswith(reverse("second_factor") + "?")


def test_a_manager_of_another_office_gets_404(client, supervisor_enrolled):
    other = make_office("OTH", name="Other office")
    stranger = make_user(Role.MANAGER, other, username="mgr2")
    client.force_login(stranger)
    response = client.post(reverse("second_factor_reset", args=[supervisor_enrolled.pk]))
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(user=supervisor_enrolled, confirmed=True).exists()


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.SUPERVISOR, Role.PROVIDER])
def test_caseworkers_and_supervisors_are_refused(client, office, supervisor_enrolled, role):
    actor = make_user(role, office, username=f"actor-{role}")
    client.force_login(actor)
    response = client.post(reverse("second_factor_reset", args=[supervisor_enrolled.pk]))
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=supervisor_enrolled, confirmed=True).exists()
    assert not AccountEvent.objects.filter(action=AccountAction.SECOND_FACTOR_RESET).exists()


def test_reset_is_post_only(client, manager, supervisor_enrolled):
    client.force_login(manager)
    response = client.get(reverse("second_factor_reset", args=[supervisor_enrolled.pk]))
    assert response.status_code == 405


def test_a_manager_cannot_reset_an_administrator_nor_themselves(client, office, manager, required):
    administrator = make_user(Role.ADMINISTRATOR, office, username="adm")
    TOTPDevice.objects.create(user=administrator, name="app", confirmed=True)
    TOTPDevice.objects.create(user=manager, name="app", confirmed=True)
    client.force_login(manager)
    session = client.session
    session[state.SESSION_KEY] = state.DONE
    session.save()
    refused = client.post(reverse("second_factor_reset", args=[administrator.pk]))
    assert refused.status_code == 403
    assert "Only an administrator can reset" in refused.content.decode()
    own = client.post(reverse("second_factor_reset", args=[manager.pk]))
    assert own.status_code == 403
    assert "You cannot reset your own" in own.content.decode()
    assert TOTPDevice.objects.filter(confirmed=True).count() == 2


def test_an_administrator_resets_anyone_and_nothing_to_reset_is_a_message(
    client, supervisor_enrolled, other_office
):
    administrator = make_user(Role.ADMINISTRATOR, other_office, username="adm")
    second_factor_reset(subject=supervisor_enrolled, actor=administrator)
    assert not TOTPDevice.objects.filter(user=supervisor_enrolled).exists()
    client.force_login(administrator)
    response = client.post(reverse("second_factor_reset", args=[supervisor_enrolled.pk]))
    assert response.status_code == 302
    assert "has no two-step sign-in to reset" in message_texts(response)[0]
    assert (
        AccountEvent.objects.filter(
            subject=supervisor_enrolled, action=AccountAction.SECOND_FACTOR_RESET
        ).count()
        == 1
    )


def test_the_admin_action_resets_the_selected_users(admin_client, supervisor_enrolled):
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [supervisor_enrolled.pk]},
        follow=True,
    )
    assert "Two-step sign-in reset for 1 person." in response.content.decode()
    assert not TOTPDevice.objects.filter(user=supervisor_enrolled).exists()


def test_the_admin_never_shows_a_devices_secret(admin_client, supervisor_enrolled):
    device = TOTPDevice.objects.get(user=supervisor_enrolled)
    page = admin_client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    assert "qrcode" not in page.content.decode()


# --- the setting -------------------------------------------------------------------------------


def test_an_unknown_role_in_the_setting_fails_the_system_check(settings):
    from accounts.second_factor.signals import check_required_roles

    settings.TWO_FACTOR_REQUIRED_ROLES = ["supervisor", "boss"]
    errors = check_required_roles()
    assert [e.id for e in errors] == ["accounts.E201"] and "boss" in errors[0].msg


def test_production_requires_supervisors_managers_administrators_and_superusers(monkeypatch):
    import importlib

    import config.settings.base as base

    monkeypatch.delenv("TWO_FACTOR_REQUIRED_ROLES", raising=False)
    assert importlib.reload(base).TWO_FACTOR_REQUIRED_ROLES == REQUIRED


@pytest.mark.django_db(transaction=True)
def test_one_code_sent_twice_at_the_same_moment_is_accepted_once(office):
    """The device row is locked while a code is checked, so two requests racing with one
    code (a code seen over a shoulder and typed at once) cannot both pass."""
    import threading

    from django.db import connection

    from accounts.second_factor.services import SecondFactorError, second_factor_verify

    person = make_user(Role.SUPERVISOR, office, username="racer")
    device = second_factor_enrolment_begin(actor=person)
    second_factor_enrol(actor=person, code=code_for(device.bin_key))
    code = code_for(device.bin_key, steps_ahead=1)
    start = threading.Barrier(2)
    outcomes = []

    def attempt():
        try:
            start.wait()
            second_factor_verify(actor=person, code=code)
            outcomes.append("accepted")
        except SecondFactorError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["accepted", "refused"]


def test_a_reset_while_the_code_is_owed_sends_the_person_to_enrolment(
    client, supervisor, enrolled, other_office
):
    sign_in(client, supervisor)
    administrator = make_user(Role.ADMINISTRATOR, other_office, username="adm")
    second_factor_reset(subject=supervisor, actor=administrator)
    response = client.get(reverse("second_factor_verify"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor") + "?next=")
    assert client.get(response["Location"]).status_code == 200
