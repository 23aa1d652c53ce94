"""Refusals and missing pages are the app's own pages: its navigation, the reader's
language, a way back; never another package's lock screen."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import SuspiciousOperation
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Role
from config.errors import bad_request
from tests.factories import make_office, make_user


@pytest.mark.django_db
def test_a_refused_page_is_ours_in_the_readers_language(client):
    office = make_office("SOC", jurisdiction="PL", timezone="Europe/Warsaw")
    worker = make_user(Role.CASEWORKER, office, username="pracownik", preferred_language="pl")
    client.force_login(worker)
    response = client.get(reverse("approvals"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "Django Material" not in body and "LOG IN AS ANOTHER USER" not in body
    assert '<html lang="pl">' in body
    assert "Nie możesz otworzyć tej strony" in body  # the title, in Polish
    assert reverse("home") in body and 'class="mainnav"' in body  # a way back


@pytest.mark.django_db
def test_a_missing_task_says_so_with_a_way_back(client):
    worker = make_user(Role.CASEWORKER, make_office("BEK"), username="cw")
    client.force_login(worker)
    response = client.get(reverse("task", args=[999999]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body and "No such task, or it is not in your work." in body
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "Resolver404" not in response.content.decode()


@pytest.mark.django_db
def test_with_debug_on_a_missing_case_is_still_our_page(client, settings):
    """make run has DEBUG on: a case outside one's work shows the page production shows, with
    the way to emergency access, not Django's technical 404."""
    settings.DEBUG = True
    worker = make_user(Role.CASEWORKER, make_office("BEK"), username="cw")
    client.force_login(worker)
    response = client.get(reverse("case_detail", args=[999999]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body and reverse("emergency_access") in body
    assert "technical_404" not in body and "Using the URLconf" not in body


@pytest.mark.django_db
def test_a_host_not_allowed_is_a_400_not_a_500(client):
    """CommonMiddleware refuses it before a user is known: the plain page, status 400."""
    response = client.get(reverse("login"), HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "The request could not be understood" in response.content.decode()
    # A 400 once the user is known (a view's SuspiciousOperation) keeps the navigation.
    request = RequestFactory().get("/")
    request.user = make_user(Role.CASEWORKER, make_office("BEK"), username="cw")
    request.session = SessionStore()
    response = bad_request(request, SuspiciousOperation("x"))
    assert response.status_code == 400
    assert 'class="mainnav"' in response.content.decode()
