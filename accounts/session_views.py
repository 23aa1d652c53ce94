"""The page timer's two endpoints: how long the session has left, and "Stay signed in"."""

from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .sessions import background_check, session_activity_record, session_times


def _times_json(request: HttpRequest) -> JsonResponse:
    # A session that the middleware has just ended (or one never signed in) says so; the
    # page then goes to the sign-in page, where the middleware's message explains why.
    if not request.user.is_authenticated or SESSION_KEY not in request.session:
        return JsonResponse({"signed_in": False, "login_url": reverse("login")})
    times = session_times(request.session)
    return JsonResponse(
        {"signed_in": True, "idle_left": times.idle_left, "age_left": times.age_left}
    )


@never_cache
@require_GET
@background_check
def session_status(request: HttpRequest) -> JsonResponse:
    """Seconds left before the idle and the absolute limit; asking is not activity."""
    return _times_json(request)


@never_cache
@require_POST
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """The person pressed "Stay signed in": that is activity, recorded now."""
    if request.user.is_authenticated:
        session_activity_record(request.session, force=True)
    return _times_json(request)
