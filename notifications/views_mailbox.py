"""The development mailbox: the e-mails the mailbox backend kept, for staff only."""

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from . import selectors


def mailbox_in_use() -> bool:
    return settings.EMAIL_BACKEND == settings.MAILBOX_EMAIL_BACKEND


def _require_staff(user) -> None:
    # E-mails name their recipients: the same people who may open the administration.
    if not user.is_staff:
        raise PermissionDenied(_("The mailbox is for administrators."))


@login_required
def mailbox_list(request):
    _require_staff(request.user)
    page = Paginator(selectors.mailbox_messages(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/mailbox_list.html",
        {"page": page, "in_use": mailbox_in_use(), "backend": settings.EMAIL_BACKEND},
    )


@login_required
def mailbox_message(request, pk: int):
    _require_staff(request.user)
    message = get_object_or_404(selectors.mailbox_messages(), pk=pk)
    return render(request, "notifications/mailbox_message.html", {"message": message})


# An e-mail's HTML as its recipient's mail program would show it: inline styles and data:
# images allowed, no script, no requests anywhere, a sandbox (no forms, no script, its own
# origin), and framed only by the mailbox's own message page.
E_MAIL_HTML_POLICY = {
    "default-src": [NONE],
    "style-src": [UNSAFE_INLINE],
    "img-src": ["data:"],
    "base-uri": [NONE],
    "form-action": [NONE],
    "frame-ancestors": [SELF],
    "sandbox": True,
}


@csp(E_MAIL_HTML_POLICY)  # type: ignore[arg-type]  # django-csp types a view as view(request)
@xframe_options_sameorigin
@login_required
def mailbox_message_html(request, pk: int):
    _require_staff(request.user)
    message = get_object_or_404(selectors.mailbox_messages(), pk=pk)
    response = HttpResponse(message.html, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
