"""Pages to change one's password and to reset a forgotten one by e-mail (Django's views,
our templates; each change goes through a service in accounts.passwords and is recorded)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from . import passwords


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        user = passwords.password_change(
            user=form.user,
            actor=self.request.user,
            new_password=form.cleaned_data["new_password1"],
            request=self.request,
        )
        # This session stays signed in; every other one ends (its password hash is stale).
        update_session_auth_hash(self.request, user)
        messages.success(
            self.request,
            _(
                "Your password has been changed. Wherever else you were signed in, "
                "you have been signed out."
            ),
        )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetView(auth_views.PasswordResetView):
    """Always the same answer (the "sent" page), whether an account has the address or not."""

    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        passwords.password_reset_request(email=form.cleaned_data["email"], request=self.request)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(hours=settings.PASSWORD_RESET_HOURS, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A used, malformed or expired link (or one for a deactivated account) shows the
    "link does not work" page and changes nothing."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def get_context_data(self, **kwargs):
        return super().get_context_data(hours=settings.PASSWORD_RESET_HOURS, **kwargs)

    def form_valid(self, form):
        passwords.password_reset_complete(
            user=form.user, new_password=form.cleaned_data["new_password1"], request=self.request
        )
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
