"""`/api/v1/`: the versioned API, its OpenAPI description and its documentation page."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from oauth2_provider.views import TokenView

from .docs import ApiDocsView
from .views.me import MeView

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI under the site's Content-Security-Policy: its start-up script is a file
    # (the split view's ?script), the page has no inline style (api/docs.py).
    path("docs/", ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    # OAuth 2 client credentials of API clients (api/oauth.py, api/clients.py).
    path("oauth/token/", TokenView.as_view(), name="token"),
    path("me/", MeView.as_view(), name="me"),
]
