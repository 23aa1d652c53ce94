"""The OpenAPI description of how to authenticate: drf-spectacular's django-oauth-toolkit
scheme (contrib) for our TokenAuthentication, plus personal tokens.

Two security schemes, either of which an operation accepts:
- `oauth2`: the client-credentials flow of API_TOKEN_URL, with every scope; an operation
  names the one scope it needs (`cases:read` for a GET of the cases family...);
- `personalToken`: an HTTP bearer token made on the account's API tokens page (its scopes
  were chosen there; OpenAPI 3.0 gives bearer schemes no scope list).
"""

from drf_spectacular.contrib.django_oauth_toolkit import DjangoOAuthToolkitScheme

from .scopes import required_scope

PERSONAL_TOKEN = {
    "type": "http",
    "scheme": "bearer",
    "description": (
        "A personal token (Account → API tokens): it acts as its owner, within the scopes "
        "chosen when it was made."
    ),
}


class TokenAuthenticationScheme(DjangoOAuthToolkitScheme):
    target_class = "api.authentication.TokenAuthentication"
    name = ["oauth2", "personalToken"]  # type: ignore[assignment]
    priority = 1

    def get_security_requirement(self, auto_schema):
        family = getattr(auto_schema.view, "scope_family", None)
        scopes = [required_scope(family, auto_schema.method)] if family else []
        return [{"oauth2": scopes}, {"personalToken": []}]

    def get_security_definition(self, auto_schema):
        oauth2 = super().get_security_definition(auto_schema)
        oauth2["description"] = (
            "OAuth 2 client credentials of an API client registered by an office "
            "administrator (Staff → API clients). The token acts as the client's service "
            "account, within the scopes the client was allowed."
        )
        return [oauth2, PERSONAL_TOKEN]
