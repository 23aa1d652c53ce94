"""Single sign-on URLs, included by config/urls.py only when OIDC_ENABLED (names are the ones
mozilla-django-oidc reverses)."""

from django.urls import path

from .sso import SsoCallbackView, SsoSignInView

urlpatterns = [
    path("authenticate/", SsoSignInView.as_view(), name="oidc_authentication_init"),
    path("callback/", SsoCallbackView.as_view(), name="oidc_authentication_callback"),
]
