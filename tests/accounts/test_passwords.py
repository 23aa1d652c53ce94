"""The password policy (accounts/passwords.py and Django's validators), the change page and the
reset by e-mail, each change recorded in the account audit trail."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AccountAction, AccountEvent, Role
from tests.factories import make_office, make_user

PASSWORD = "pass-Word-123"  # tests.factories.make_user
NEW_PASSWORD = "lantern-harbour-Quiet-93"


def problems(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as error:
        return [e.code for e in error.error_list]
    return []


@pytest.fixture
def sochaczew_user(db):
    office = make_office(
        "SOC",
        name="Miejski Ośrodek Pomocy Społecznej w Sochaczewie",
        jurisdiction="PL",
        timezone="Europe/Warsaw",
    )
    return make_user(
        Role.CASEWORKER,
        office,
        username="agnieszka.w",
        first_name="Agnieszka",
        last_name="Wiśniewska",
        email="a.wisniewska@mops.example.pl",
    )


@pytest.mark.parametrize(
    "password, code",
    [
        ("Caseflow1", "password_too_short"),
        ("Caseflow2026!", "password_contains_product_name"),
        ("C4sefl0w-2026!", "password_contains_product_name"),
        ("my-CASE-FLOW-password", "password_contains_product_name"),
        ("Sochaczew2026!x", "password_contains_office_name"),
        ("SOC-2026-zima-lato", "password_contains_office_name"),
        ("pomoc-spoleczna-77", "password_contains_office_name"),
        ("Społeczna!Zima2026", "password_contains_office_name"),
        ("Agnieszka2026!!", "password_contains_personal_name"),
        ("wisniewska-zima-77", "password_contains_personal_name"),
        ("password1234", "password_too_common"),
        ("493817265018", "password_entirely_numeric"),
    ],
)
def test_the_policy_refuses(sochaczew_user, password, code):
    assert code in problems(password, sochaczew_user)


@pytest.mark.parametrize(
    "password", ["lantern-harbour-Quiet-93", "associate-kettle-river", "Zielona-łąka-nad-rzeką-7"]
)
def test_the_policy_accepts_long_unrelated_passwords(sochaczew_user, password):
    # "associate" holds the office code SOC inside a word: only the code on its own is refused.
    assert problems(password, sochaczew_user) == []


def test_the_office_rule_applies_to_the_users_own_office(sochaczew_user, office):
    bekwai_user = make_user(Role.CASEWORKER, office, username="kofi.b")  # office: "Bekwai", BEK
    assert problems("Sochaczew2026!x", bekwai_user) == []
    assert "password_contains_office_name" in problems("Bek-harbour-2026", bekwai_user)
    assert "password_contains_office_name" in problems("bekwai-harbour-26", bekwai_user)
    assert problems("Sochaczew2026!x") == []  # no user: only the product's name is known


def test_the_help_text_names_every_rule():
    help_texts = " ".join(password_validators_help_texts())
    assert "at least 12 characters" in help_texts
    assert "the name of this system" in help_texts
    assert "name or code of your office" in help_texts


def test_the_demo_password_stays_for_demo_accounts(db):
    user = make_user(Role.CASEWORKER, None, username="demo-like")
    user.set_password("demo")  # set_password does not validate: the demo keeps "demo"
    user.save()
    assert user.check_password("demo")
    assert "password_too_short" in problems("demo", user)


# --- the change page ----------------------------------------------------------------------------


def signed_in_client(client_class, username, password=PASSWORD):
    client = client_class()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302
    return client


def test_the_change_page_is_linked_from_the_user_menu_and_needs_sign_in(client, caseworker):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    client.force_login(caseworker)
    body = client.get(reverse("home"), follow=True).content.decode()
    assert f'href="{reverse("password_change")}"' in body
    page = client.get(reverse("password_change")).content.decode()
    assert "Change your password" in page and "at least 12 characters" in page


def test_a_wrong_current_password_or_a_weak_new_one_changes_nothing(client, caseworker):
    client.force_login(caseworker)
    url = reverse("password_change")
    response = client.post(
        url,
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Caseflow2026!",
            "new_password2": "Caseflow2026!",
        },
    )
    assert "The password contains the name of this system" in response.content.decode()
    caseworker.refresh_from_db()
    assert caseworker.check_password(PASSWORD)
    assert not AccountEvent.objects.filter(action=AccountAction.PASSWORD_CHANGED).exists()


def test_a_change_keeps_this_session_and_signs_out_the_others(client_class, caseworker):
    here = signed_in_client(client_class, "cw")
    elsewhere = signed_in_client(client_class, "cw")
    response = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        REMOTE_ADDR="192.0.2.40",
        follow=True,
    )
    assert "Your password has been changed" in response.content.decode()
    assert here.get(reverse("inbox")).status_code == 200
    response = elsewhere.get(reverse("inbox"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    event = AccountEvent.objects.get(action=AccountAction.PASSWORD_CHANGED)
    assert event.actor == caseworker and event.subject == caseworker
    assert event.address == "192.0.2.40"


def test_an_administrator_setting_a_password_in_the_admin_is_recorded(client, caseworker):
    root = make_user(None, None, username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[caseworker.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    event = AccountEvent.objects.get(action=AccountAction.PASSWORD_CHANGED)
    assert event.actor == root and event.subject == caseworker
    assert event.details == {"by": "admin"}


# --- reset by e-mail ----------------------------------------------------------------------------


@pytest.fixture
def client_class():
    from django.test import Client

    return Client


@pytest.fixture
def worker_inline():
    """The Celery task that sends the e-mail runs in the test, as the worker would."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def akosua(office):
    return make_user(
        Role.CASEWORKER,
        office,
        username="akosua.m",
        first_name="Akosua",
        last_name="Mensah",
        email="akosua@bekwai.example.org",
    )


def ask_for_link(client, capture, email, address="192.0.2.50"):
    with capture(execute=True):
        response = client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    return client.get(response["Location"])


def link_in(message) -> str:
    return re.search(r"http\S+/accounts/password/reset/\S+/\S+/", message.body).group(0)


def test_the_login_page_offers_the_reset(client, db):
    body = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in body and "Forgot your password?" in body


def test_the_reset_journey(
    client, client_class, akosua, worker_inline, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://welfare.example.org"
    signed_in_elsewhere = signed_in_client(client_class, "akosua.m")
    page = ask_for_link(client, django_capture_on_commit_callbacks, "AKOSUA@bekwai.example.org")
    assert "Check your e-mail" in page.content.decode()
    assert "for 2 hours" in page.content.decode()

    (message,) = mail.outbox
    assert message.to == ["akosua@bekwai.example.org"]
    assert message.extra_headers["Content-Language"] == "en"
    assert message.body.startswith("Hello Akosua,")
    link = link_in(message)
    assert link.startswith("https://welfare.example.org/accounts/password/reset/")
    for private in ("akosua.m", "Mensah", akosua.home_office.name, "BEK"):
        assert private not in message.body and private not in message.subject
    requested = AccountEvent.objects.get(action=AccountAction.PASSWORD_RESET_REQUESTED)
    assert requested.subject == akosua and requested.address == "192.0.2.50"

    path = link.removeprefix("https://welfare.example.org")
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].endswith("/set-password/")
    form_url = response["Location"]
    assert "Choose a new password" in client.get(form_url).content.decode()

    response = client.post(form_url, {"new_password1": "akosua-2026!!", "new_password2": "x"})
    assert 'id="error-summary"' in response.content.decode()
    akosua.refresh_from_db()
    assert akosua.check_password(PASSWORD)

    response = client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert "Your new password is set" in response.content.decode()
    akosua.refresh_from_db()
    assert akosua.check_password(NEW_PASSWORD)
    event = AccountEvent.objects.get(action=AccountAction.PASSWORD_RESET)
    assert event.subject == akosua and event.address == "127.0.0.1"
    # Signed out wherever they were; the old password no longer works, the new one does.
    assert signed_in_elsewhere.get(reverse("inbox")).status_code == 302
    assert (
        client_class()
        .post(reverse("login"), {"username": "akosua.m", "password": PASSWORD})
        .status_code
        == 200
    )
    signed_in_client(client_class, "akosua.m", NEW_PASSWORD)

    # The same link again: spent.
    replay = client_class().get(path)
    assert replay.status_code == 200 and "This link does not work" in replay.content.decode()
    assert "Nothing was changed" in replay.content.decode()


def test_the_request_page_answers_the_same_for_an_unknown_or_inactive_address(
    client, akosua, worker_inline, django_capture_on_commit_callbacks
):
    known = ask_for_link(client, django_capture_on_commit_callbacks, akosua.email)
    unknown = ask_for_link(client, django_capture_on_commit_callbacks, "nobody@example.org")

    def main(page):
        body = page.content.decode()
        return body[body.index("<main") : body.index("</main>")]

    assert main(known) == main(unknown)
    assert len(mail.outbox) == 1
    mail.outbox.clear()
    akosua.is_active = False
    akosua.save()
    ask_for_link(client, django_capture_on_commit_callbacks, akosua.email)
    assert mail.outbox == []
    assert AccountEvent.objects.filter(action=AccountAction.PASSWORD_RESET_REQUESTED).count() == 1


def test_a_malformed_address_is_a_message_and_nothing_is_sent(client, akosua, worker_inline):
    response = client.post(reverse("password_reset"), {"email": "not an address"})
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    assert mail.outbox == []


def test_an_expired_link_does_not_work(
    client, akosua, worker_inline, django_capture_on_commit_callbacks
):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        ask_for_link(client, django_capture_on_commit_callbacks, akosua.email)
        path = "/accounts/" + link_in(mail.outbox[0]).split("/accounts/", 1)[1]
        clock.shift(timedelta(hours=2, minutes=1))
        response = client.get(path)
    assert response.status_code == 200 and "This link does not work" in response.content.decode()
    akosua.refresh_from_db()
    assert akosua.check_password(PASSWORD)


@pytest.mark.parametrize(
    "uidb64, token",
    [
        ("MQ", "nonsense-token"),
        ("!!!", "abc-def"),
        ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "abc-def"),  # 9999...: beyond any id
        ("LTE", "abc-def"),  # -1
        ("MQ", "set-password"),  # the form's own address without a token in the session
    ],
)
def test_a_malformed_link_shows_the_page_and_changes_nothing(client, akosua, uidb64, token):
    response = client.get(f"/accounts/password/reset/{uidb64}/{token}/")
    assert response.status_code == 200
    assert "This link does not work" in response.content.decode()
    response = client.post(
        f"/accounts/password/reset/{uidb64}/{token}/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "This link does not work" in response.content.decode()
    akosua.refresh_from_db()
    assert akosua.check_password(PASSWORD)


def test_a_link_sent_before_deactivation_does_not_work_after(
    client, akosua, worker_inline, django_capture_on_commit_callbacks
):
    ask_for_link(client, django_capture_on_commit_callbacks, akosua.email)
    path = "/accounts/" + link_in(mail.outbox[0]).split("/accounts/", 1)[1]
    akosua.is_active = False
    akosua.save()
    assert "This link does not work" in client.get(path).content.decode()


def test_at_most_three_emails_an_hour_for_one_account(
    client, akosua, worker_inline, django_capture_on_commit_callbacks
):
    for _ in range(5):
        ask_for_link(client, django_capture_on_commit_callbacks, akosua.email)
    assert len(mail.outbox) == 3
    sent = AccountEvent.objects.filter(action=AccountAction.PASSWORD_RESET_REQUESTED)
    assert [event.details["email_sent"] for event in sent.order_by("id")] == [True] * 3 + [
        False
    ] * 2


def test_the_email_is_in_the_persons_language(
    client, office, worker_inline, django_capture_on_commit_callbacks
):
    polish = make_user(
        Role.CASEWORKER, office, username="ola", email="ola@example.pl", preferred_language="pl"
    )
    ask_for_link(client, django_capture_on_commit_callbacks, polish.email)
    assert mail.outbox[0].extra_headers["Content-Language"] == "pl"


def test_without_a_broker_the_email_is_sent_at_once(
    client, akosua, monkeypatch, django_capture_on_commit_callbacks
):
    from accounts import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.send_password_reset_email, "apply_async", broker_down)
    ask_for_link(client, django_capture_on_commit_callbacks, akosua.email)
    assert len(mail.outbox) == 1
