"""Activates the signed-in user's language and their office's time zone."""

from django.utils import timezone, translation


class UserPreferencesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if user.preferred_language:
                translation.activate(user.preferred_language)
                request.LANGUAGE_CODE = translation.get_language()
            office = user.home_office
            if office is not None:
                timezone.activate(office.tzinfo)
            else:
                timezone.deactivate()
        response = self.get_response(request)
        timezone.deactivate()
        return response
