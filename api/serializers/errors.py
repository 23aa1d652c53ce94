"""The one error shape of api/errors.py, for the schema: `code`, `detail`, and `errors` (the
field errors of bad input)."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Machine-readable: `invalid`, `not_found`, `conflict`, `stale`, "
        "`not_permitted`, `permission_denied`, `not_authenticated`, ..."
    )
    detail = serializers.CharField(help_text="What went wrong, in the request's language.")
    errors = serializers.DictField(
        required=False,
        help_text="Bad input only: {field: [messages]}; `non_field_errors` for the whole "
        'request; a list\'s rows by number ({"actions": {"0": {...}}}).',
    )


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Bad input: `errors` says where."),
    401: OpenApiResponse(ErrorSerializer, description="No valid token."),
    403: OpenApiResponse(
        ErrorSerializer,
        description="The token lacks the scope, or the rules refuse this user (`not_permitted`).",
    ),
    404: OpenApiResponse(ErrorSerializer, description="No such thing, or outside your scope."),
    409: OpenApiResponse(
        ErrorSerializer,
        description="An illegal transition, a lost race or a stale If-Match (`stale`): "
        "nothing changed.",
    ),
}


def errors(*codes: int) -> dict:
    """The error responses of an operation, for `extend_schema(responses=...)`."""
    return {code: ERRORS[code] for code in codes}
