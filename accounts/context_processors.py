"""Template context shared by every page."""

from django.conf import settings


def user_context(request):
    return {"LANGUAGE_CHOICES": settings.LANGUAGES}
