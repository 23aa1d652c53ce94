"""Home page and the language switcher."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from . import services, staff
from .models import Role
from .scope import visible_offices

# Where each role lands after signing in (URL names). Supervisors keep their approvals page
# (the dashboard is one click away in the menu); managers and administrators land on it.
LANDING_PAGE_BY_ROLE = {
    Role.CASEWORKER: "inbox",
    Role.SUPERVISOR: "approvals",
    Role.MANAGER: "dashboard",
    Role.ADMINISTRATOR: "dashboard",
}


def landing_page_for(user) -> str | None:
    """The URL name of the user's landing page, or None for the plain home page."""
    if user.primary_role is None and Role.PROVIDER in user.role_names:
        return "provider_inbox"  # internal service providers answer referrals addressed to them
    if user.primary_role is None and Role.DATA_PROTECTION_OFFICER in user.role_names:
        return "access_log"  # the data protection officer reads the access log
    return LANDING_PAGE_BY_ROLE.get(user.primary_role)


@login_required
def home(request):
    landing = landing_page_for(request.user)
    if landing is not None:
        return redirect(landing)
    return render(
        request,
        "accounts/home.html",
        {"offices": visible_offices(request.user)[:20]},
    )


@require_POST
def set_language(request):
    """Switch the interface language; a signed-in user keeps it as their preference."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_set_language(user=request.user, actor=request.user, language=language)
    return django_set_language(request)


def _invitation_refused(request, exc: staff.InvitationError):
    return render(
        request,
        "accounts/invitation_invalid.html",
        {"error": exc},
        status=400 if exc.kind == "malformed" else 410,
    )


def _speak_invitees_language(request, person) -> None:
    """The invitee is not signed in yet: their page is in their language (or their office's),
    unless they chose one with the switcher."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    language = person.preferred_language or (
        person.home_office.default_language if person.home_office else ""
    )
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language


@never_cache
def staff_invitation_accept(request, token: str):
    """The e-mailed link: the invitee sets their own password and is signed in. A malformed,
    expired, replaced or used link is a page that says so; nothing changes."""
    try:
        invitation = staff.invitation_from_token(token)
    except staff.InvitationError as exc:
        return _invitation_refused(request, exc)
    person = invitation.user
    _speak_invitees_language(request, person)
    form = SetPasswordForm(person, request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["new_password1"]
        try:
            staff.staff_invitation_accept(token=token, password=password, request=request)
        except staff.InvitationError as exc:
            return _invitation_refused(request, exc)
        except ValidationError as exc:
            form.add_error("new_password2", exc)
        else:
            return _sign_in_after_accepting(request, person.username, password)
    return render(
        request,
        "accounts/invitation_accept.html",
        {"form": form, "person": person, "invitation": invitation},
        status=400 if request.method == "POST" else 200,
    )


def _sign_in_after_accepting(request, username: str, password: str):
    # Through authenticate(), so every sign-in rule (backends, throttling) applies as usual.
    user = authenticate(request, username=username, password=password)
    if user is None:
        messages.success(request, _("Your password is set. Sign in with it."))
        return redirect("login")
    login(request, user)
    messages.success(request, _("Welcome to Caseflow. Your password is set."))
    return redirect("home")
