"""`Idempotency-Key` on the requests that open a case (POST people/, POST cases/): a request
resent with the same key (a timeout, a retry after a dropped connection) gets the first
answer again, with 200, instead of opening a second case.

The key is the client's (any text up to 255 characters, a UUID is best), per user, kept for
a day. The first request with a key claims it (a row with no answer yet) before it runs, so
two copies sent at once cannot both open a case: the second is 409
`idempotency_key_in_progress`. A first request that fails (400, 409, ...) frees its key: the
client may correct it and send it again with the same key. The same key with another request
(another body or path) is 409 `idempotency_key_reused`.
"""

import functools
import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from workflows.errors import Conflict

from .models import IdempotencyKey

KEEP = timedelta(hours=24)
# A claimed key whose request never answered (the process died) is free again after this.
ABANDONED = timedelta(minutes=10)
HEADER = "Idempotency-Key"

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Any text up to 255 characters, new for each new request (a UUID). Sent "
    "again with the same request within 24 hours, the first answer comes back (200, the same "
    "case) and nothing is opened twice; with another request: 409 `idempotency_key_reused`.",
)
REPLAYED = OpenApiParameter(
    "Idempotent-Replayed",
    str,
    OpenApiParameter.HEADER,
    response=[200],
    description="`true` on the answer to a resent request (an Idempotency-Key seen before).",
)


class KeyReused(Conflict):
    code = "idempotency_key_reused"


class KeyInProgress(Conflict):
    code = "idempotency_key_in_progress"


def fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    text = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(text.encode()).hexdigest()


def _claim(user, key: str, print_: str) -> IdempotencyKey | Response:
    """The new row of this key, or the answer to give when the key was seen before."""
    now = timezone.now()
    with transaction.atomic():
        IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=now - KEEP).delete()
        IdempotencyKey.objects.filter(
            user=user, key=key, status_code=0, created_at__lt=now - ABANDONED
        ).delete()
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(user=user, key=key, fingerprint=print_)
        except IntegrityError:
            seen = IdempotencyKey.objects.get(user=user, key=key)
    if seen.fingerprint != print_:
        raise KeyReused(
            _(
                "This Idempotency-Key was used with another request. Use a new key for a new "
                "request."
            )
        )
    if seen.status_code == 0:
        raise KeyInProgress(
            _("A request with this Idempotency-Key is still being answered. Try again shortly.")
        )
    response = Response(seen.response, status=status.HTTP_200_OK)
    if seen.location:
        response["Location"] = seen.location
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(method):
    """A POST view method that honours `Idempotency-Key` (its answer names the case opened:
    `case.id`, or `id`)."""

    @functools.wraps(method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return method(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > 255:
            raise ValidationError({HEADER: [_("Give a key of 1 to 255 characters.")]})
        claimed = _claim(request.user, key, fingerprint(request))
        if isinstance(claimed, Response):
            return claimed
        try:
            response = method(view, request, *args, **kwargs)
        except BaseException:
            claimed.delete()  # failed: the key is free for the corrected request
            raise
        if not 200 <= response.status_code < 300:
            claimed.delete()
            return response
        data = response.data
        case_id = (data.get("case") or {}).get("id") if "case" in data else data.get("id")
        claimed.status_code = response.status_code
        claimed.response = json.loads(json.dumps(data, default=str))
        claimed.location = response.get("Location", "")
        claimed.case_id = case_id
        claimed.save(update_fields=["status_code", "response", "location", "case"])
        return response

    return wrapper


def purge_expired() -> int:
    """Keys older than a day go (the nightly housekeeping)."""
    deleted, _rows = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return deleted
