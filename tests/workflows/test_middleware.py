"""The database failing a request: a lost race is a 409 page that keeps the input, a dropped
connection on a read is retried once, and one on a write is a 503 page that keeps the input."""

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import ResolverMatch
from psycopg import errors

from accounts.models import Role
from tests.factories import make_office, make_user
from workflows.middleware import DatabaseTroubleMiddleware


def _request(method="get", data=None, user=None):
    factory = RequestFactory()
    request = getattr(factory, method)("/cases/1/risk/", data or {})
    request.user = user
    request.session = {}
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    return request


def _lost_race(error_class):
    try:
        raise error_class("deadlock detected")
    except error_class as exc:
        try:
            raise OperationalError(str(exc)) from exc
        except OperationalError as wrapped:
            return wrapped


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error_class",
    [errors.DeadlockDetected, errors.SerializationFailure, errors.LockNotAvailable],
)
def test_a_lost_race_is_a_409_page_that_keeps_the_input(error_class):
    user = make_user(Role.CASEWORKER, make_office("BEK"), username="cw")
    request = _request(
        "post", {"risk": "high", "comment": "Father returned", "password": "s3cret"}, user
    )
    middleware = DatabaseTroubleMiddleware(lambda r: HttpResponse())
    response = middleware.process_exception(request, _lost_race(error_class))
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this at the same moment" in body
    # The input comes back in a form that sends it again; secrets never do.
    assert 'name="comment" value="Father returned"' in body
    assert 'name="risk" value="high"' in body
    assert "s3cret" not in body
    assert 'action="/cases/1/risk/"' in body


@pytest.mark.django_db
def test_other_database_errors_are_not_hidden():
    middleware = DatabaseTroubleMiddleware(lambda r: HttpResponse())
    from django.db import IntegrityError

    assert middleware.process_exception(_request(), IntegrityError("bug")) is None
    assert middleware.process_exception(_request(), ValueError("bug")) is None


def _terminate_own_connection():
    pid = connection.connection.info.backend_pid
    url = settings.DATABASES["default"]
    with psycopg.connect(
        host=url["HOST"], port=url["PORT"] or 5432, user=url["USER"], dbname=url["NAME"]
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_a_read_on_a_dropped_connection_is_retried_once_on_a_fresh_one():
    from accounts.models import Office

    make_office("BEK")
    calls = []

    def view(request):
        calls.append(1)
        return HttpResponse(f"{Office.objects.count()} offices")

    request = _request()
    request.resolver_match = ResolverMatch(view, (), {}, url_name="x")
    connection.ensure_connection()
    _terminate_own_connection()
    middleware = DatabaseTroubleMiddleware(lambda r: HttpResponse())
    try:
        view(request)
    except OperationalError as exc:
        response = middleware.process_exception(request, exc)
    else:  # pragma: no cover - the connection was cut: the first read must fail
        pytest.fail("the cut connection still answered")
    assert response.status_code == 200 and response.content == b"1 offices"
    assert len(calls) == 2
    # The next request works too.
    assert Office.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_write_on_a_dropped_connection_is_a_503_page_that_keeps_the_input():
    user = make_user(Role.CASEWORKER, make_office("BEK"), username="cw")
    request = _request("post", {"comment": "Visited the family"}, user)
    connection.ensure_connection()
    _terminate_own_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except OperationalError as exc:
        response = DatabaseTroubleMiddleware(lambda r: HttpResponse()).process_exception(
            request, exc
        )
    assert response.status_code == 503
    body = response.content.decode()
    assert "Your work was not saved" in body
    assert 'name="comment" value="Visited the family"' in body
    from accounts.models import Office

    assert Office.objects.count() == 1  # the next query works on a fresh connection
