"""Unlocking a locked-out account: a manager for their office's staff, an administrator for
anyone (GET shows the lock, POST lifts it)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .lockout import account_unlock, unlock_allowed, unlock_role, username_lock
from .models import User


def _next_url(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@login_required
@require_http_methods(["GET", "POST"])
def account_unlock_view(request, user_id: int):
    if not unlock_role(request.user):
        raise PermissionDenied(_("Only a manager or an administrator can unlock an account."))
    subject = get_object_or_404(User.objects.select_related("home_office"), pk=user_id)
    if not unlock_allowed(request.user, subject):
        raise Http404  # another office's staff: as if they did not exist
    if request.method == "POST":
        account_unlock(subject=subject, actor=request.user, request=request)
        messages.success(request, _("%(name)s can sign in again.") % {"name": subject})
        return redirect(_next_url(request) or request.path)
    return render(
        request,
        "accounts/unlock.html",
        {"subject": subject, "lock": username_lock(subject.username), "next": _next_url(request)},
    )
