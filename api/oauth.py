"""django-oauth-toolkit, adapted through its own extension points (OAUTH2_PROVIDER settings):

- `ClientScopes` (SCOPES_BACKEND_CLASS): the scopes are ours (api/scopes.py); an API client's
  token may carry only the scopes it was allowed, and one asking for none gets all of those.
- `CaseflowOAuth2Validator` (OAUTH2_VALIDATOR_CLASS): only a usable API client (not disabled
  nor deleted, its service account active) gets a token, and the token's user is the
  client's service account, so that the API applies that account's access scope (DOT leaves
  the user of a client-credentials token empty). It also loads, with the token, the rows the
  authentication needs (the personal token, the API client) in the same query.
"""

import hashlib

from oauth2_provider.models import AccessToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes

from .models import ApiClient
from .scopes import scope_choices


def token_checksum(raw_token: str) -> str:
    """What DOT stores and looks a token up by (its TokenChecksumField): SHA-256, hex."""
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


def api_client_of(application) -> ApiClient | None:
    if application is None:
        return None
    return getattr(application, "api_client", None)


class ClientScopes(BaseScopes):
    def get_all_scopes(self):
        return {name: str(description) for name, description in scope_choices().items()}

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        if application is None:
            return list(scope_choices())
        client = api_client_of(application)
        return client.scopes if client is not None else []

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self.get_available_scopes(application, request, *args, **kwargs)


class CaseflowOAuth2Validator(OAuth2Validator):
    def authenticate_client(self, request, *args, **kwargs):
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        client = api_client_of(request.client)
        # A disabled or deleted client, or one whose account was deactivated, gets no token
        # (oauthlib answers invalid_client, 401).
        return client is not None and client.is_usable

    def _create_access_token(self, expires, request, token, source_refresh_token=None):
        # DOT sets request.user to None for client credentials just before this (its
        # _save_bearer_token): the token is the service account's instead.
        if request.grant_type == "client_credentials":
            client = api_client_of(request.client)
            request.user = client.service_account if client is not None else None
        return super()._create_access_token(expires, request, token, source_refresh_token)

    def _load_access_token(self, token):
        return (
            AccessToken.objects.select_related(
                "user", "application", "application__api_client", "personal_token"
            )
            .filter(token_checksum=token_checksum(token))
            .first()
        )
