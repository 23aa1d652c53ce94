"""URLs of the credential pages (api/pages.py), included by config/urls.py: a person's tokens
under /accounts/api-tokens/, an office's clients under /staff/api-clients/."""

from django.urls import path

from . import pages

token_urlpatterns = [
    path("", pages.token_list, name="api_tokens"),
    path("new/", pages.token_new, name="api_token_new"),
    path("<int:token_id>/revoke/", pages.token_revoke, name="api_token_revoke"),
]

client_urlpatterns = [
    path("", pages.client_list, name="api_clients"),
    path("new/", pages.client_new, name="api_client_new"),
    path("<int:client_id>/", pages.client_detail, name="api_client"),
    path("<int:client_id>/disable/", pages.client_disable, name="api_client_disable"),
    path("<int:client_id>/enable/", pages.client_enable, name="api_client_enable"),
    path("<int:client_id>/secret/", pages.client_secret_rotate, name="api_client_secret"),
    path("<int:client_id>/delete/", pages.client_delete, name="api_client_delete"),
]
