"""Home page and the language switcher."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from . import services
from .scope import visible_offices


@login_required
def home(request):
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
