"""Home page and the language switcher."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from . import services
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
