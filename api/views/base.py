"""What every resource view shares: the reader's language and office time zone, the access
log, the 404 of anything outside the scope, and the pages' forms as validation."""

from django import forms
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from case_flows.access_log import access_record

from ..formdata import form_errors
from ..pagination import Keyset


class ResourceView(APIView):
    """A view of a resource family (`scope_family`). After the token is checked, the
    request runs as the pages run for a signed-in person: in their office's time zone (the
    forms' "today", the dates a service checks) and in the language the client asked for
    (Accept-Language), else the person's own."""

    scope_family: str | None = None
    pagination_class = Keyset

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        user = request.user
        office = user.home_office
        if office is not None:
            timezone.activate(office.tzinfo)
        if "HTTP_ACCEPT_LANGUAGE" not in request.META and user.preferred_language:
            translation.activate(user.preferred_language)

    def finalize_response(self, request, response, *args, **kwargs):
        timezone.deactivate()
        return super().finalize_response(request, response, *args, **kwargs)

    def paginate(self, queryset):
        self.paginator = self.pagination_class()
        return self.paginator.paginate_queryset(queryset, self.request, view=self)

    def paginated(self, data):
        return self.paginator.get_paginated_response(data)


def access(request, action, **kwargs) -> None:
    """Note a read of personal data in the access log, as the page that shows it does (the
    middleware writes it once the response is ready, for a response under 400 only)."""
    access_record(request._request, action, **kwargs)


def not_found(message=None):
    return Http404(message or _("Not found."))


def validated(form: forms.BaseForm | forms.BaseFormSet) -> None:
    """The page's form decides; its errors are the API's 400."""
    if not form.is_valid():
        raise ValidationError(form_errors({"form": form}))


def parse_id(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise ValidationError({field: [_("Give the id, a whole number.")]})
    return int(value)
