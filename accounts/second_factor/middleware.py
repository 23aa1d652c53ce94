"""Holds a signed-in person at the second step, or at enrolment, until it is done."""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from . import state

# URL names a person may open while the second factor is owed, besides the step's own page.
ALWAYS_ALLOWED = frozenset(
    {"logout", "set_language", "javascript-catalog", "session_status", "session_keepalive"}
)
STEP_PAGES = {
    state.VERIFY: ("second_factor_verify",),
    state.ENROL: ("second_factor", "second_factor_backup_codes"),
}


def _wants_json(request: HttpRequest) -> bool:
    return (
        request.headers.get("x-requested-with") == "XMLHttpRequest"
        or request.content_type == "application/json"
        or (request.accepts("application/json") and not request.accepts("text/html"))
    )


def _allowed(request: HttpRequest, owed: str) -> bool:
    match = request.resolver_match
    if match is None:
        return False
    if match.namespace == "admin":
        return match.url_name == "logout"
    return match.url_name in ALWAYS_ALLOWED or match.url_name in STEP_PAGES[owed]


def _refusal(request: HttpRequest, owed: str) -> HttpResponse:
    message = (
        _("Set up two-step sign-in first.")
        if owed == state.ENROL
        else _("Enter the code from your authenticator app first.")
    )
    if _wants_json(request):
        return JsonResponse({"error": message}, status=403)
    context = {"message": message, "step_url": reverse(STEP_PAGES[owed][0])}
    return render(request, "accounts/second_factor/owed.html", context, status=403)


class SecondFactorMiddleware:
    """After AuthenticationMiddleware, SessionMiddleware and MessageMiddleware. A session
    that owes the second factor (state VERIFY) or an enrolment (state ENROL) is sent to that
    page from any other page (GET/HEAD, with `next` kept); any other request (a form sent,
    a script asking for JSON) is refused with 403 rather than redirected, so nothing is
    changed and no script follows a redirect loop."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        owed = state.session_state(request)
        if owed not in state.PENDING or _allowed(request, owed):
            return None
        if request.method not in ("GET", "HEAD") or _wants_json(request):
            return _refusal(request, owed)
        target = reverse(STEP_PAGES[owed][0])
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
