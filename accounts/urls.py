from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import session_views, views, views_lockout, views_passwords
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
    # --- signin: passwords and unlocking ---
    path("password/", views_passwords.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views_passwords.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        views_passwords.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/done/",
        views_passwords.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "password/reset/<str:uidb64>/<str:token>/",
        views_passwords.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("users/<int:user_id>/unlock/", views_lockout.account_unlock_view, name="account_unlock"),
    path(
        "invitation/<str:token>/",
        views.staff_invitation_accept,
        name="staff_invitation_accept",
    ),
]
