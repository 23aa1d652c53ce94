"""Who calls the API: a bearer token only (a personal token or an API client's token, both
django-oauth-toolkit access tokens). A browser session is not an API credential.

On top of DOT's check (the token exists and has not expired) a refused token says why, with a
code a program can act on (401): `token_expired`, `token_revoked`, `invalid_token`,
`account_inactive` (the token's account was deactivated), `client_disabled`. An accepted call
is noted in the access log (one `api_call` row: method and path, and which credential) and
stamps the credential's "last used".
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.models import AccessToken
from rest_framework import exceptions

from case_flows.access_log.recording import access_record
from case_flows.models import AccessAction

from .models import ApiClient, PersonalToken
from .oauth import api_client_of, token_checksum

# "Last used" is written at most this often per credential (not one UPDATE per call).
LAST_USED_PRECISION = timedelta(minutes=1)


class InvalidToken(exceptions.AuthenticationFailed):
    default_code = "invalid_token"
    default_detail = _("The token is not valid.")


class TokenExpired(InvalidToken):
    default_code = "token_expired"
    default_detail = _("The token has expired. Create a new one.")


class TokenRevoked(InvalidToken):
    default_code = "token_revoked"
    default_detail = _("The token was revoked.")


class AccountInactive(InvalidToken):
    default_code = "account_inactive"
    default_detail = _("The account this token belongs to is deactivated.")


class ClientDisabled(InvalidToken):
    default_code = "client_disabled"
    default_detail = _("The API client of this token is disabled or deleted.")


def bearer_token(request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return parts[1]
    return None


def refusal_for(raw_token: str) -> InvalidToken:
    """Why a token DOT refused is refused (queries only on this failing path)."""
    checksum = token_checksum(raw_token)
    access = AccessToken.objects.filter(token_checksum=checksum).only("expires").first()
    if access is not None and access.is_expired():
        return TokenExpired()
    personal = PersonalToken.objects.filter(checksum=checksum).first()
    if personal is not None:
        # Revoked; or expired and since swept away by DOT's `cleartokens`.
        return TokenRevoked() if personal.revoked_at is not None else TokenExpired()
    return InvalidToken()


def credential_label(token: AccessToken) -> str:
    """The credential, as the access log's reason names it (stored in English, like the
    log's other codes): "personal token #12", "API client #3"."""
    personal = getattr(token, "personal_token", None)
    if personal is not None:
        return f"personal token #{personal.pk}"
    client = api_client_of(token.application)
    if client is not None:
        return f"API client #{client.pk}"
    return f"access token #{token.pk}"


def _note_use(model, pk: int, last_used) -> None:
    now = timezone.now()
    if last_used is None or now - last_used >= LAST_USED_PRECISION:
        model.objects.filter(pk=pk).update(last_used_at=now)


class TokenAuthentication(OAuth2Authentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        raw_token = bearer_token(request)
        if result is None:
            if raw_token is None:
                return None  # no token: 401 not_authenticated (or the view is open)
            request.bearer_error = "invalid_token"
            raise refusal_for(raw_token)
        user, token = result
        if user is None or not user.is_active:
            request.bearer_error = "invalid_token"
            raise AccountInactive()
        personal = getattr(token, "personal_token", None)
        client = api_client_of(token.application)
        if token.application_id is not None and (
            client is None or client.disabled_at is not None or client.deleted_at is not None
        ):
            request.bearer_error = "invalid_token"
            raise ClientDisabled()
        if personal is not None:
            _note_use(PersonalToken, personal.pk, personal.last_used_at)
        elif client is not None:
            _note_use(ApiClient, client.pk, client.last_used_at)
        self._record_call(request, user, token)
        return user, token

    @staticmethod
    def _record_call(request, user, token) -> None:
        django_request = request._request
        # What DRF sets as soon as this returns; the access log reads the request's user.
        django_request.user = user
        access_record(
            django_request,
            AccessAction.API_CALL,
            target=f"{django_request.method} {django_request.path}",
            reason=credential_label(token),
        )

    def authenticate_header(self, request):
        # RFC 6750's challenge, with the error code only: the JSON body says why, in the
        # caller's language (a header could not carry a translated text safely).
        error = getattr(request, "bearer_error", None)
        challenge = f'Bearer realm="{self.www_authenticate_realm}"'
        return f'{challenge}, error="{error}"' if error else challenge
