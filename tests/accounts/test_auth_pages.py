from django.urls import reverse

from accounts.models import Role
from tests.factories import make_user


def test_login_page_renders_in_english_and_polish(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Sign in" in response.content.decode()
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="pl")
    assert "Zaloguj się" in response.content.decode()


def test_login_shows_home_with_name_office_role(client, caseworker, office):
    response = client.post(
        reverse("login"), {"username": "cw", "password": "pass-Word-123"}, follow=True
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Akosua" in body
    assert office.name in body
    assert "Caseworker" in body


def test_wrong_password_is_a_clear_error(client, caseworker):
    response = client.post(reverse("login"), {"username": "cw", "password": "nope"})
    assert response.status_code == 200
    assert "The username or password is not correct" in response.content.decode()


def test_home_requires_login(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logout_is_post(client, caseworker):
    client.force_login(caseworker)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_user_language_preference_applies_and_switcher_saves_it(client, office):
    user = make_user(Role.CASEWORKER, office, preferred_language="pl")
    client.force_login(user)
    # follow=True: a caseworker's home redirects to their inbox.
    assert "Wyloguj" in client.get(reverse("home"), follow=True).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.preferred_language == "en"
    assert "Log out" in client.get(reverse("home"), follow=True).content.decode()


def test_demo_password_refused_under_production_flag(client, settings, office):
    user = make_user(Role.CASEWORKER, office, username="demo-user")
    user.set_password("demo")
    user.save()
    settings.REFUSE_DEMO_PASSWORDS = True
    response = client.post(reverse("login"), {"username": "demo-user", "password": "demo"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    settings.REFUSE_DEMO_PASSWORDS = False
    client.post(reverse("login"), {"username": "demo-user", "password": "demo"})
    assert "_auth_user_id" in client.session


def test_service_provider_lands_on_referrals_to_us(client, office):
    provider = make_user(Role.PROVIDER, office, username="prov")
    client.force_login(provider)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("provider_inbox")
