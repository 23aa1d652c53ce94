"""URLs of Staff -> Webhooks (included by config.urls under /staff/webhooks/)."""

from django.urls import path

from . import webhook_views as views

urlpatterns = [
    path("", views.webhook_list, name="webhook_list"),
    path("new/", views.webhook_new, name="webhook_new"),
    path("<int:endpoint_id>/", views.webhook_detail, name="webhook_detail"),
    path("<int:endpoint_id>/edit/", views.webhook_edit, name="webhook_edit"),
    path("<int:endpoint_id>/secret/", views.webhook_rotate, name="webhook_rotate"),
    path("<int:endpoint_id>/active/", views.webhook_active, name="webhook_active"),
    path("<int:endpoint_id>/ping/", views.webhook_ping, name="webhook_ping"),
    path("<int:endpoint_id>/retry/", views.webhook_retry, name="webhook_retry"),
]
