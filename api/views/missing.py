"""The answer to an address under /api/v1/ that names no endpoint: JSON, like every error."""

from django.http import JsonResponse
from django.utils.translation import gettext as _


def not_found(request):
    return JsonResponse(
        {"code": "not_found", "detail": _("There is no such address in the API.")}, status=404
    )
