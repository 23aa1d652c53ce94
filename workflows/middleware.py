"""When the database fails a request: a lost race is a 409 and a lost connection a 503, each
on a page that says nothing was saved and offers to send the same input again; a read that
hit a dropped connection is retried once on a fresh one."""

import logging

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found

from .queue import is_lost_race

logger = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Never echoed back into a page.
SECRET_FIELDS = ("password", "csrfmiddlewaretoken", "token", "secret", "otp")


def _resubmittable(request) -> list[tuple[str, str]]:
    """The submitted fields (not secrets, not files), to post again from the error page."""
    if request.method in SAFE_METHODS:
        return []
    return [
        (name, value)
        for name in request.POST
        if not any(secret in name.lower() for secret in SECRET_FIELDS)
        for value in request.POST.getlist(name)
    ]


class DatabaseTroubleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DatabaseError):
            return None
        if is_lost_race(exception):
            # Not the error's text: PostgreSQL's DETAIL repeats the row's values (a name).
            logger.warning(
                "lost race on %s %s: %s", request.method, request.path, type(exception).__name__
            )
            return self._page(
                request,
                status=409,
                title=_("Someone else changed this at the same moment"),
                text=_("Nothing was saved. Your input is kept below: send it again."),
            )
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error(
            "database unavailable on %s %s", request.method, request.path, exc_info=exception
        )
        if request.method in SAFE_METHODS and not connection.in_atomic_block:
            retried = self._retry_read(request)
            if retried is not None:
                return retried
        return self._page(
            request,
            status=503,
            title=_("The database did not answer"),
            text=_(
                "Your work was not saved. Wait a moment and try again; what you typed is kept"
                " below where this page can keep it."
            ),
        )

    def _retry_read(self, request):
        """A read that hit a dropped connection runs once more on a fresh connection."""
        match = getattr(request, "resolver_match", None)
        if match is None or getattr(request, "_database_retried", False):
            return None
        request._database_retried = True
        connection.close()
        try:
            response = match.func(request, *match.args, **match.kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            return response
        except DatabaseError:
            logger.exception("retry of %s failed too", request.path)
            return None

    def _page(self, request, *, status: int, title: str, text: str):
        if status == 503 and not connection.in_atomic_block:
            connection.close()  # the page itself, and the next request, get a fresh one
        return render(
            request,
            "errors/database.html",
            {
                "title": title,
                "text": text,
                "fields": _resubmittable(request),
                "action": request.get_full_path(),
                "resubmit": request.method not in SAFE_METHODS,
            },
            status=status,
        )


class NotFoundPageMiddleware:
    """A 404 that a view raised gets the site's own "not found" page with DEBUG on too
    (`make run`), so that whoever walks the demo sees what production shows (for a case: the
    way to emergency access), not Django's technical page. An address that matches no URL
    still gets the technical page under DEBUG: that one helps a developer."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not settings.DEBUG or not isinstance(exception, Http404):
            return None
        return page_not_found(request, exception)
