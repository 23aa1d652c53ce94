"""Security headers on every page type: the Content-Security-Policy (the site's own scripts and
styles only), and HTML that needs nothing else (no inline script, handler or style); the frame,
referrer and sniffing headers everywhere, HSTS under production settings."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core import mail
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

import case_flows.cases.services as case_services
from accounts.models import Role
from case_flows.models import ProviderKind, ServiceProvider
from tests.case_flows.work.test_views_tasks import register_data
from tests.factories import category, make_person, make_user
from tests.steps import allocate, complete_intake, open_task, submit_assessment

ROOT = Path(__file__).resolve().parents[1]
MAILBOX = "notifications.backends.mailbox.MailboxEmailBackend"

EXPECTED_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

INLINE_SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.I | re.S)
TAG = re.compile(r"<[a-zA-Z][^<>]*>")
HANDLER_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)


def policy_of(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = [part.strip() for part in header.split(";") if part.strip()]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] if " " in d else "" for d in directives}


def inline_code(html: str) -> list[str]:
    """What in this HTML would need 'unsafe-inline': script bodies, on* attributes, style
    attributes and elements, javascript: URLs."""
    found = []
    for match in INLINE_SCRIPT.finditer(html):
        if "src=" not in match["attrs"] or match["body"].strip():
            found.append("inline <script>: " + match["body"].strip()[:60])
    for tag in TAG.findall(html):
        if HANDLER_ATTRIBUTE.search(tag):
            found.append("handler attribute: " + tag[:80])
        if STYLE_ATTRIBUTE.search(tag):
            found.append("style attribute: " + tag[:80])
    if re.search(r"<style\b", html, re.I):
        found.append("<style> element")
    if re.search(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", html, re.I):
        found.append("javascript: URL")
    return found


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def people(office, team, supervisor, caseworker, manager):
    clinic = ServiceProvider.objects.create(
        name="District Health Directorate", kind=ProviderKind.INTERNAL, office=office
    )
    provider = make_user(Role.PROVIDER, None, username="nurse")
    clinic.members.add(provider)
    admin = make_user(None, office, username="root", is_staff=True, is_superuser=True)
    return {
        "caseworker": caseworker,
        "supervisor": supervisor,
        "manager": manager,
        "provider": provider,
        "admin": admin,
    }


def open_case(office, caseworker, family):
    return case_services.case_open(
        actor=caseworker,
        person=make_person(office, "Kwame", family),
        office=office,
        category=category(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Child out of school",
    )


@pytest.fixture
def pages(office, people, settings):
    """(who, URL name or path, args, query, expected status) for every page type."""
    caseworker, supervisor = people["caseworker"], people["supervisor"]
    intake_case = open_case(office, caseworker, "Mensah")
    allocate(intake_case, supervisor, caseworker)
    assessed = open_case(office, caseworker, "Owusu")
    allocate(assessed, supervisor, caseworker)
    complete_intake(assessed, caseworker)
    submit_assessment(assessed, caseworker)
    approval = open_task(assessed, "approve_assessment").approval
    settings.EMAIL_BACKEND = MAILBOX
    mail.send_mail("Hello", "body", None, ["ama@example.org"], html_message="<p>Hi</p>")
    from notifications.models import MailboxMessage

    message = MailboxMessage.objects.get()
    return [
        ("caseworker", "home", [], "", 302),
        ("caseworker", "inbox", [], "", 200),
        ("caseworker", "task", [open_task(intake_case, "intake").pk], "", 200),
        ("caseworker", "case_detail", [intake_case.pk], "", 200),
        ("caseworker", "case_list", [], "", 200),
        ("caseworker", "case_new", [], "", 200),
        ("supervisor", "approvals", [], "", 200),
        ("supervisor", "approval_detail", [approval.pk], "", 200),
        ("manager", "dashboard", [], "", 200),
        ("manager", "dashboard_cases", [], "figure=open", 200),
        ("provider", "provider_inbox", [], "", 200),
        ("caseworker", "notifications:list", [], "", 200),
        ("caseworker", "notifications:preferences", [], "", 200),
        ("admin", "mailbox:list", [], "", 200),
        ("admin", "mailbox:message", [message.pk], "", 200),
        (None, "login", [], "", 200),
        ("admin", "admin:index", [], "", 200),
        ("admin", "admin:accounts_user_changelist", [], "", 200),
        ("admin", "admin:accounts_user_change", [caseworker.pk], "", 200),
        ("caseworker", "approvals", [], "", 403),  # the 403 page
        ("caseworker", "/no-such-page/", [], "", 404),  # the 404 page
        ("caseworker", "task", [999999], "", 404),
    ]


def test_every_page_type_sends_the_policy_and_needs_no_inline_code(people, pages):
    clients = {who: client_for(people.get(who)) for who in {p[0] for p in pages}}
    for who, name, args, query, status in pages:
        url = name if name.startswith("/") else reverse(name, args=args)
        response = clients[who].get(url + ("?" + query if query else ""))
        assert response.status_code == status, (who, url, response.status_code)
        assert policy_of(response) == EXPECTED_POLICY, url
        assert inline_code(response.content.decode()) == [], url


def test_a_form_with_errors_needs_no_inline_code(people):
    """The error summary's focus script is a static file now."""
    response = client_for(people["caseworker"]).post(reverse("case_new"), register_data(risk=""))
    body = response.content.decode()
    assert response.status_code == 200 and 'id="error-summary"' in body
    assert inline_code(body) == []


def test_a_form_with_a_stale_token_is_refused_by_our_own_page(people):
    """Django's page for a failed CSRF check has inline styles and speaks only English; a
    person meets it with a form opened before signing out and in again, so it is ours."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["caseworker"])
    client.get(reverse("case_new"))  # sets the CSRF cookie
    stale = {**register_data(), "csrfmiddlewaretoken": "s" * 32}  # not the cookie's token
    response = client.post(reverse("case_new"), stale)
    assert response.status_code == 403
    body = response.content.decode()
    assert "The form was not accepted" in body and "CSRF verification failed" not in body
    assert policy_of(response) == EXPECTED_POLICY and inline_code(body) == []


def test_the_server_error_page_needs_no_inline_code():
    body = render_to_string("500.html")
    assert inline_code(body) == []
    assert "css/error.css" in body and "data-history-back" in body


def test_the_language_switcher_and_dashboard_filters_work_from_static_files(people):
    body = client_for(people["manager"]).get(reverse("dashboard")).content.decode()
    assert '<select name="language" id="language-select">' in body
    assert 'data-open-from-width="701"' in body
    script = Path(finders.find("js/app.js")).read_text()
    assert 'getElementById("language-select")' in script
    assert "details[data-open-from-width]" in script


def test_an_emails_html_in_the_mailbox_is_framed_under_its_own_strict_policy(people, settings):
    settings.EMAIL_BACKEND = MAILBOX
    html = '<p style="color:red">Hi</p><script>alert(1)</script>'
    mail.send_mail("Styled", "body", None, ["ama@example.org"], html_message=html)
    from notifications.models import MailboxMessage

    message = MailboxMessage.objects.get()
    admin = client_for(people["admin"])
    page = admin.get(reverse("mailbox:message", args=[message.pk])).content.decode()
    frame_url = reverse("mailbox:message_html", args=[message.pk])
    assert f'sandbox src="{frame_url}"' in page and "srcdoc" not in page
    response = admin.get(frame_url)
    assert response.content.decode() == html  # as the recipient got it
    assert policy_of(response) == {
        "default-src": "'none'",
        "style-src": "'unsafe-inline'",  # e-mails style inline; no script runs
        "img-src": "data:",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'self'",
        "sandbox": "",
    }
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    # Staff only, like the message page.
    assert client_for(people["caseworker"]).get(frame_url).status_code == 403


def test_frame_referrer_and_sniffing_headers_on_every_response(people):
    for response in (
        client_for().get(reverse("login")),
        client_for(people["caseworker"]).get(reverse("inbox")),
        client_for(people["caseworker"]).get(reverse("session_status")),
    ):
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "Content-Security-Policy" in response


PRODUCTION_HEADERS = """
import json
import django
django.setup()
from django.test import Client
client = Client()
secure = client.get("/accounts/login/", secure=True)
plain = client.get("/accounts/login/")
print(json.dumps({
    "secure": dict(secure.headers), "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
}))
"""


def test_production_sends_hsts_and_every_other_header():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k" * 20 + "Zq8-Xr2_vB7nM4pL9sT1wY6cH3jF0dG5aE" + "u" * 10,
        ALLOWED_HOSTS="testserver",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x"),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_HEADERS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    headers = seen["secure"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    # Plain HTTP is sent to HTTPS.
    assert seen["plain_status"] == 301
    assert seen["plain_location"].startswith("https://testserver/accounts/login/")
