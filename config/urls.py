"""Root URLs."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts import views as account_views
from api.page_urls import client_urlpatterns, token_urlpatterns
from config.observability.views import metrics_view
from workflows.system.views import system_status_page

from . import health

# A 404 under /api/ answers in the API's JSON error shape, the site's page elsewhere.
handler404 = "api.errors.page_not_found"
# A bad Host header is refused before a user is known: a plain 400 page, never a 500.
handler400 = "config.errors.bad_request"

admin.site.site_header = _("Caseflow administration")
admin.site.site_title = _("Caseflow")

urlpatterns = [
    # Answered by config.health.HealthCheckMiddleware before any other middleware; named here.
    path("health/live", health.live, name="health_live"),
    path("health/ready", health.ready, name="health_ready"),
    path("", account_views.home, name="home"),
    path("accounts/api-tokens/", include(token_urlpatterns)),
    path("accounts/", include("accounts.urls")),
    path("staff/api-clients/", include(client_urlpatterns)),
    # An office's webhooks, one of its Staff pages (notifications owns the endpoints).
    path("staff/webhooks/", include("notifications.webhook_urls")),
    path("staff/system/", system_status_page, name="system_status"),
    path("", include("case_flows.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("notifications/", include("notifications.urls")),
    path("workflows/", include("workflows.urls")),
    path("dev/mailbox/", include("notifications.mailbox_urls")),
    # Prometheus (docs/operations.md): allowed addresses or the token, else the site's 404.
    path("metrics", metrics_view, name="metrics"),
]

if settings.OIDC_ENABLED:  # single sign-on: no SSO URL at all while it is off
    urlpatterns.insert(1, path("accounts/sso/", include("accounts.sso_urls")))
