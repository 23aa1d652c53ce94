from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import session_views, views
from .forms import LoginForm
from .sso import SignOutView

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", SignOutView.as_view(), name="logout"),  # LogoutView + the SSO provider's
    path("language/", views.set_language, name="set_language"),
    path("two-factor/", include("accounts.second_factor.urls")),
    path("session/", session_views.session_status, name="session_status"),
    path("session/keepalive/", session_views.session_keepalive, name="session_keepalive"),
]
