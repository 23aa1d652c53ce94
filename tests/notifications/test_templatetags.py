import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Event
from notifications.outbox import notify
from notifications.services import notifications_mark_all_read

pytestmark = pytest.mark.django_db

BELL = Template("{% load notifications_tags %}{% notification_bell %}")


def _unread(user, count):
    for i in range(count):
        notify(recipient=user, event=Event.TASK_ASSIGNED, dedupe_key=f"bell:{user.pk}:{i}")


def test_bell_shows_the_unread_count_in_one_query(recipient, django_assert_num_queries):
    _unread(recipient, 3)
    with django_assert_num_queries(1):
        html = BELL.render(Context({"user": recipient}))
    assert 'class="badge bell-count">3<' in html
    assert "Unread notifications: 3" in html


def test_bell_caps_a_large_count_and_shows_no_badge_when_all_are_read(recipient):
    _unread(recipient, 101)
    assert ">99+<" in BELL.render(Context({"user": recipient}))
    notifications_mark_all_read(actor=recipient)
    html = BELL.render(Context({"user": recipient}))
    assert "bell-count" not in html and reverse("notifications:list") in html


def test_bell_is_empty_for_anonymous_users(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert BELL.render(Context({"user": AnonymousUser()})).strip() == ""


def test_every_page_shows_the_bell_at_the_cost_of_one_query(client, recipient):
    _unread(recipient, 2)
    client.force_login(recipient)
    client.get(reverse("case_list"))
    with CaptureQueriesContext(connection) as page:
        response = client.get(reverse("case_list"))
    bell_queries = [q for q in page.captured_queries if "notifications_notification" in q["sql"]]
    assert len(bell_queries) == 1
    assert 'class="badge bell-count">2<' in response.content.decode()
