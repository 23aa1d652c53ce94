"""Pages: the notification list, read marks, per-event preferences."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .models import Event, Frequency, Notification
from .preferences import ChannelChoice
from .rendering import in_app_text


@login_required
def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(
        selectors.notifications_for_user(user=request.user, unread_only=unread_only), 25
    ).get_page(request.GET.get("page"))
    rows = [(notification, in_app_text(notification)) for notification in page]
    return render(
        request,
        "notifications/list.html",
        {"page": page, "rows": rows, "unread_only": unread_only},
    )


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
def notification_read(request, pk: int):
    # Someone else's notification is a 404: its existence is not revealed.
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.notification_mark_read(notification=notification, actor=request.user)
    if request.POST.get("open") and notification.link.startswith("/"):
        return redirect(notification.link)
    return redirect(_safe_next(request, "notifications:list"))


@login_required
@require_POST
def notification_read_all(request):
    count = services.notifications_mark_all_read(actor=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect(_safe_next(request, "notifications:list"))


@login_required
def preferences(request):
    errors = []
    if request.method == "POST":
        choices = {}
        for event in Event.values:
            frequency = request.POST.get(f"{event}-frequency", Frequency.IMMEDIATE)
            if frequency not in Frequency.values:
                errors.append(
                    _("%(event)s: choose “immediately” or “in the daily digest”.")
                    % {"event": Event(event).label}
                )
                continue
            choices[event] = ChannelChoice(
                email=bool(request.POST.get(f"{event}-email")),
                sms=bool(request.POST.get(f"{event}-sms")),
                frequency=frequency,
            )
        if not errors:
            try:
                services.preferences_update(user=request.user, actor=request.user, choices=choices)
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, _("Your notification settings are saved."))
                return redirect("notifications:preferences")
    rows = [
        (event, Event(event).label, choice, own)
        for event, choice, own in selectors.effective_preferences(user=request.user)
    ]
    return render(
        request,
        "notifications/preferences.html",
        {
            "rows": rows,
            "errors": errors,
            "frequencies": Frequency.choices,
            "has_email": bool(request.user.email),
            "has_phone": bool(request.user.phone),
        },
        status=400 if errors else 200,
    )
