"""Single sign-on (accounts/sso.py) against a real OpenID provider: node-oidc-provider started
by tests/oidc_provider/harness.py, never a mock of mozilla-django-oidc. The matching rules
(none/one/several/inactive) are also checked on claims directly."""

import json
import re
import time
from urllib.parse import parse_qs, urljoin, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import SuspiciousOperation
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse

from accounts.models import AccountAction, AccountEvent, Role, User
from accounts.sso import (
    AUTH_METHOD_SESSION_KEY,
    BACKEND_PATH,
    CaseflowOIDCBackend,
    sso_settings_check,
    sso_user_match,
)
from tests.accounts.test_settings import PROD_ENV, run_manage
from tests.factories import make_user
from tests.oidc_provider.harness import (
    CLIENT_ID,
    PROVIDER_NAME,
    running_provider,
    sso_enabled,
    sso_settings,
)

NOT_LINKED = (
    "Your Test ID account is not linked to a Caseflow account. "
    "Ask your office&#x27;s manager to link it."
)


@pytest.fixture(scope="module")
def oidc_provider():
    with running_provider() as provider:
        yield provider


@pytest.fixture
def sso(oidc_provider):
    with sso_enabled(**sso_settings(oidc_provider)):
        yield oidc_provider


@pytest.fixture
def akosua(office):
    """The Caseflow user the provider's account "akosua" (Caseworker@Example.org) names."""
    return make_user(
        Role.CASEWORKER,
        office,
        username="akosua.m",
        email="caseworker@example.org",
        first_name="Ama",
    )


def sso_sign_in(client, provider, login, *, next_url=None, **kwargs):
    """Click "Sign in with Test ID", sign in at the provider, come back: the callback's answer."""
    start = client.get(reverse("oidc_authentication_init"), {"next": next_url} if next_url else {})
    assert start.status_code == 302 and start["Location"].startswith(provider.issuer + "/auth?")
    return client.get(provider.sign_in(start["Location"], login, **kwargs))


def events(action):
    return list(AccountEvent.objects.filter(action=action).order_by("id"))


# --- the matching rules, on claims -------------------------------------------------------------


def test_the_email_claim_names_one_active_user_whatever_its_case(akosua, settings):
    settings.OIDC_USERNAME_CLAIM = "email"
    user, refusal = sso_user_match({"sub": "x", "email": " CASEWORKER@example.ORG "})
    assert user == akosua and refusal is None


def test_an_email_nobody_has_is_refused_and_nobody_is_created(akosua, settings):
    settings.OIDC_USERNAME_CLAIM = "email"
    users_before = User.objects.count()
    user, refusal = sso_user_match({"sub": "x", "email": "someone.else@example.org"})
    assert user is None and refusal.reason == "no_match"
    assert refusal.value == "someone.else@example.org"
    assert User.objects.count() == users_before


def test_two_active_users_with_the_email_are_refused(akosua, office, settings):
    settings.OIDC_USERNAME_CLAIM = "email"
    make_user(Role.CASEWORKER, office, username="twin", email="Caseworker@example.org")
    user, refusal = sso_user_match({"sub": "x", "email": "caseworker@example.org"})
    assert user is None and refusal.reason == "several_matches"
    assert sorted(refusal.details["users"]) == ["akosua.m", "twin"]


def test_an_inactive_user_is_refused(akosua, settings):
    settings.OIDC_USERNAME_CLAIM = "email"
    User.objects.filter(pk=akosua.pk).update(is_active=False)
    user, refusal = sso_user_match({"sub": "x", "email": "caseworker@example.org"})
    assert user is None and refusal.reason == "inactive" and refusal.subject == akosua


def test_a_deactivated_old_account_does_not_block_the_active_one(akosua, office, settings):
    settings.OIDC_USERNAME_CLAIM = "email"
    make_user(None, office, username="old", email="caseworker@example.org", is_active=False)
    user, refusal = sso_user_match({"sub": "x", "email": "caseworker@example.org"})
    assert user == akosua and refusal is None


def test_an_email_the_provider_has_not_verified_is_refused(akosua, settings):
    settings.OIDC_USERNAME_CLAIM = "email"
    claims = {"sub": "x", "email": "caseworker@example.org", "email_verified": False}
    user, refusal = sso_user_match(claims)
    assert user is None and refusal.reason == "email_not_verified"


@pytest.mark.parametrize("claims", [{"sub": "x"}, {"sub": "x", "email": ""}, {"email": 7}])
def test_a_missing_claim_is_refused(akosua, settings, claims):
    settings.OIDC_USERNAME_CLAIM = "email"
    user, refusal = sso_user_match(claims)
    assert user is None and refusal.reason == "claim_missing"


def test_preferred_username_maps_to_the_username(akosua, settings):
    settings.OIDC_USERNAME_CLAIM = "preferred_username"
    user, _ = sso_user_match({"sub": "x", "preferred_username": "Akosua.M"})
    assert user == akosua
    # The e-mail no longer counts once another claim is configured.
    user, refusal = sso_user_match({"sub": "x", "email": "caseworker@example.org"})
    assert user is None and refusal.reason == "claim_missing"


def test_the_backend_never_answers_a_password_sign_in(akosua):
    request = RequestFactory().post("/accounts/login/?code=stolen&state=forged")
    backend = CaseflowOIDCBackend()
    assert backend.authenticate(request, username="akosua.m", password="pass-Word-123") is None
    assert backend.authenticate(None, nonce="x") is None


def test_the_backend_grants_no_permissions_of_its_own(akosua):
    backend = CaseflowOIDCBackend()
    assert backend.get_all_permissions(akosua) == set()
    assert backend.has_perm(akosua, "accounts.view_user") is False


def _signed_id_token(private_key, **claims):
    now = int(time.time())
    payload = {"iss": "https://id.example.org", "sub": "x", "iat": now, "exp": now + 60, **claims}
    return jwt.encode(payload, private_key, algorithm="RS256", headers={"kid": "k1"})


def test_an_id_token_issued_to_another_client_or_by_another_issuer_is_refused(settings):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    settings.OIDC_RP_CLIENT_ID = "caseflow"
    settings.OIDC_RP_IDP_SIGN_KEY = public_pem
    settings.OIDC_ISSUER = "https://id.example.org"
    backend = CaseflowOIDCBackend()
    good = _signed_id_token(key, aud="caseflow", nonce="n1")
    assert backend.verify_token(good, nonce="n1")["sub"] == "x"
    with pytest.raises(SuspiciousOperation, match="another client"):
        backend.verify_token(_signed_id_token(key, aud="other-app", nonce="n1"), nonce="n1")
    with pytest.raises(SuspiciousOperation, match="another issuer"):
        token = _signed_id_token(key, aud="caseflow", nonce="n1", iss="https://evil.example")
        backend.verify_token(token, nonce="n1")
    with pytest.raises(SuspiciousOperation, match="Nonce"):
        backend.verify_token(good, nonce="another-nonce")
    expired = _signed_id_token(key, aud="caseflow", nonce="n1", exp=int(time.time()) - 120)
    with pytest.raises(jwt.ExpiredSignatureError):
        backend.verify_token(expired, nonce="n1")
    # The issuer as Google sometimes writes it (no scheme), and a list of audiences.
    token = _signed_id_token(key, aud=["caseflow", "x"], nonce="n1", iss="id.example.org/")
    assert backend.verify_token(token, nonce="n1")["sub"] == "x"


# --- off by default ----------------------------------------------------------------------------


def test_with_sso_off_there_is_no_url_no_button_and_no_backend(client, db, settings):
    assert settings.OIDC_ENABLED is False
    assert BACKEND_PATH not in settings.AUTHENTICATION_BACKENDS
    with pytest.raises(NoReverseMatch):
        reverse("oidc_authentication_init")
    assert client.get("/accounts/sso/authenticate/").status_code == 404
    assert client.get("/accounts/sso/callback/?code=a&state=b").status_code == 404
    body = client.get(reverse("login")).content.decode()
    assert "Sign in with" not in body and "/accounts/sso/" not in body


def test_the_environment_turns_it_on_and_production_stays_clean():
    env = {
        **PROD_ENV,
        "OIDC_ENABLED": "true",
        "OIDC_ISSUER": "https://login.example.gov.gh/realms/welfare",
        "OIDC_RP_CLIENT_ID": "caseflow",
        "OIDC_RP_CLIENT_SECRET": "s3cret-from-the-provider",
        "OIDC_PROVIDER_NAME": "Ghana.gov",
        "OIDC_OP_LOGOUT_ENDPOINT": "https://login.example.gov.gh/realms/welfare/logout?x=1",
    }
    code = (
        "from django.conf import settings; from django.urls import reverse;"
        "print(settings.AUTHENTICATION_BACKENDS[-1], reverse('oidc_authentication_init'),"
        " *settings.OIDC_FORM_ACTION_SOURCES)"
    )
    shown = run_manage(["shell", "--no-imports", "-c", code], **env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == [
        BACKEND_PATH,
        "/accounts/sso/authenticate/",
        "https://login.example.gov.gh",  # for CSP form-action: sign-out redirects there
    ]
    checked = run_manage(["check", "--deploy", "--fail-level", "WARNING"], **env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    plain_http = run_manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        **{**env, "OIDC_ISSUER": "http://id.local"},
    )
    assert plain_http.returncode != 0 and "accounts.W101" in plain_http.stderr


def test_sso_on_without_a_client_or_endpoints_refuses_to_start(settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = ""
    settings.OIDC_ISSUER = ""
    errors = sso_settings_check()
    assert [error.id for error in errors] == ["accounts.E101"]
    for name in ("OIDC_RP_CLIENT_ID", "OIDC_OP_TOKEN_ENDPOINT", "OIDC_OP_JWKS_ENDPOINT"):
        assert name in errors[0].msg
    settings.OIDC_RP_CLIENT_ID = "caseflow"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_ISSUER = "https://id.example.org"
    assert sso_settings_check() == []


# --- against the provider ----------------------------------------------------------------------


def test_the_sign_in_page_offers_the_provider_as_a_link(client, db, sso):
    body = client.get(reverse("login"), {"next": "/cases/?risk=high"}).content.decode()
    # A plain link (GET) to Caseflow's own start URL, carrying where to go afterwards.
    assert (
        '<a class="button" href="/accounts/sso/authenticate/?next=/cases/%3Frisk%3Dhigh">' in body
    )
    assert "Sign in with Test ID" in body


def test_a_person_signs_in_at_the_provider_and_lands_signed_in(client, akosua, sso):
    response = sso_sign_in(client, sso, "akosua")
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert int(client.session[SESSION_KEY]) == akosua.pk
    assert client.session[AUTH_METHOD_SESSION_KEY] == "sso"
    assert client.get(reverse("home"))["Location"] == reverse("inbox")  # a caseworker's landing
    [event] = events(AccountAction.SSO_SIGNED_IN)
    assert (event.subject, event.actor, event.office) == (akosua, akosua, akosua.home_office)
    assert event.details == {"provider": PROVIDER_NAME, "claim": "email"}
    assert event.address == "127.0.0.1"
    # Nothing about the user changed, though the provider calls her "Akosua Mensah".
    akosua.refresh_from_db()
    assert (akosua.first_name, akosua.last_name, akosua.email) == (
        "Ama",
        "",
        "caseworker@example.org",
    )


def test_the_page_asked_for_before_signing_in_is_where_the_person_lands(client, akosua, sso):
    response = sso_sign_in(client, sso, "akosua", next_url="/cases/")
    assert response["Location"] == "/cases/"
    response = sso_sign_in(client, sso, "akosua", next_url="https://evil.example/")
    assert response["Location"] == reverse("home")


def test_explicit_endpoints_work_without_discovery(client, akosua, oidc_provider):
    with sso_enabled(**sso_settings(oidc_provider, discovery=False)):
        response = sso_sign_in(client, oidc_provider, "akosua")
    assert response["Location"] == reverse("home")
    assert int(client.session[SESSION_KEY]) == akosua.pk


def test_preferred_username_signs_in_by_username(client, office, oidc_provider):
    manager = make_user(Role.MANAGER, office, username="manager", email="")
    settings_ = sso_settings(oidc_provider, OIDC_USERNAME_CLAIM="preferred_username")
    with sso_enabled(**settings_):
        response = sso_sign_in(client, oidc_provider, "kofi")
    assert response["Location"] == reverse("home")
    assert int(client.session[SESSION_KEY]) == manager.pk


def test_an_account_that_names_nobody_is_refused_with_a_message(client, akosua, sso):
    users_before = User.objects.count()
    response = sso_sign_in(client, sso, "stranger")
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert SESSION_KEY not in client.session
    page = client.get(response["Location"])
    assert NOT_LINKED in page.content.decode()
    assert User.objects.count() == users_before
    [event] = events(AccountAction.SSO_REFUSED)
    assert event.subject is None and event.username == "stranger@example.org"
    assert event.details["reason"] == "no_match"
    assert event.details["value"] == "stranger@example.org"
    assert "eyJ" not in json.dumps(event.details)  # no token (a JWT starts so) is kept
    assert client.get(reverse("home")).status_code == 302  # still signed out


def test_a_deactivated_person_is_refused_and_their_open_session_ends(client, akosua, sso):
    assert sso_sign_in(client, sso, "akosua")["Location"] == reverse("home")
    User.objects.filter(pk=akosua.pk).update(is_active=False)
    assert client.get(reverse("inbox")).status_code == 302  # signed out at the next request
    response = sso_sign_in(client, sso, "akosua")
    assert response["Location"] == reverse("login")
    assert NOT_LINKED in client.get(reverse("login")).content.decode()
    [event] = events(AccountAction.SSO_REFUSED)
    assert event.subject == akosua and event.details["reason"] == "inactive"


def test_an_unverified_email_at_the_provider_is_refused(client, office, sso):
    make_user(Role.SUPERVISOR, office, username="sup", email="supervisor@example.org")
    response = sso_sign_in(client, sso, "unverified")
    assert response["Location"] == reverse("login")
    assert "has not confirmed the e-mail address" in client.get(reverse("login")).content.decode()
    assert events(AccountAction.SSO_REFUSED)[0].details["reason"] == "email_not_verified"


def test_cancelling_at_the_provider_is_a_message_not_an_error(client, akosua, sso):
    response = sso_sign_in(client, sso, "akosua", cancel=True)
    assert response["Location"] == reverse("login")
    assert "Signing in with Test ID was cancelled." in client.get(reverse("login")).content.decode()
    [event] = events(AccountAction.SSO_REFUSED)
    assert event.details["reason"] == "cancelled" and event.details["error"] == "access_denied"


def test_a_replayed_or_forged_callback_signs_nobody_in(client, akosua, sso):
    start = client.get(reverse("oidc_authentication_init"))
    callback = sso.sign_in(start["Location"], "akosua")
    assert client.get(callback)["Location"] == reverse("home")
    client.post(reverse("logout"))
    # The same code and state again, in the same browser: refused, not a 400 or 500.
    replay = client.get(callback)
    assert replay.status_code == 302 and replay["Location"] == reverse("login")
    assert SESSION_KEY not in client.session
    # A state this browser never started.
    client.get(reverse("oidc_authentication_init"))
    forged = client.get(reverse("oidc_authentication_callback"), {"code": "x", "state": "forged"})
    assert forged.status_code == 302 and forged["Location"] == reverse("login")
    assert "did not succeed" in client.get(reverse("login")).content.decode()
    reasons = [event.details["reason"] for event in events(AccountAction.SSO_REFUSED)]
    assert reasons == ["failed", "token_rejected"]
    # A bare visit to the callback URL: back to the sign-in page, nothing worth recording.
    assert client.get(reverse("oidc_authentication_callback"))["Location"] == reverse("login")
    assert len(events(AccountAction.SSO_REFUSED)) == 2


def test_a_provider_that_cannot_be_reached_is_a_message(client, db, oidc_provider):
    unreachable = sso_settings(oidc_provider, OIDC_ISSUER="http://127.0.0.1:9", OIDC_TIMEOUT=2)
    with sso_enabled(**unreachable):
        response = client.get(reverse("oidc_authentication_init"))
        assert response.status_code == 302 and response["Location"] == reverse("login")
        page = client.get(reverse("login")).content.decode()
    assert "Test ID cannot be reached just now" in page


def test_a_wrong_client_secret_is_refused_not_an_error(client, akosua, oidc_provider):
    with sso_enabled(**sso_settings(oidc_provider, OIDC_RP_CLIENT_SECRET="wrong")):
        response = sso_sign_in(client, oidc_provider, "akosua")
        assert response["Location"] == reverse("login")
    assert SESSION_KEY not in client.session
    assert events(AccountAction.SSO_REFUSED)[0].details["reason"] == "token_rejected"


def test_sign_out_ends_the_session_then_the_providers(client, akosua, oidc_provider):
    logout = oidc_provider.url("/session/end")
    browser = requests.Session()  # the person's browser at the provider (its cookies)
    with sso_enabled(**sso_settings(oidc_provider, OIDC_OP_LOGOUT_ENDPOINT=logout)):
        sso_sign_in(client, oidc_provider, "akosua", browser=browser)
        response = client.post(reverse("logout"))
    assert SESSION_KEY not in client.session
    assert response.status_code == 302 and response["Location"].startswith(logout + "?")
    params = parse_qs(urlsplit(response["Location"]).query)
    assert params["client_id"] == [CLIENT_ID]
    assert params["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    # The provider accepts the ID token Caseflow kept as the hint (it checks its signature),
    # asks, signs the person out and sends them back to Caseflow's sign-in page.
    question = browser.get(response["Location"], timeout=10)
    assert question.status_code == 200 and "Do you also want to sign out" in question.text
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', question.text).group(1)
    action = re.search(r'action="([^"]+)"', question.text).group(1)
    answer = browser.post(
        urljoin(question.url, action), data={"xsrf": xsrf, "logout": "yes"}, allow_redirects=False
    )
    assert answer.headers["Location"] == "http://testserver/accounts/login/"
    start = browser.get(oidc_provider.url("/session/end"), timeout=10)
    assert "Do you also want to sign out" not in start.text  # no session left there


def test_a_password_session_signs_out_here_only(client, akosua, oidc_provider):
    logout = oidc_provider.url("/session/end")
    with sso_enabled(**sso_settings(oidc_provider, OIDC_OP_LOGOUT_ENDPOINT=logout)):
        client.post(reverse("login"), {"username": "akosua.m", "password": "pass-Word-123"})
        assert int(client.session[SESSION_KEY]) == akosua.pk
        response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
    assert SESSION_KEY not in client.session
