"""What the page's session timer (static/js/session-timeout.js) needs, as <body> attributes."""

from django import template
from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..sessions import session_times

register = template.Library()


@register.simple_tag(takes_context=True)
def session_body_attributes(context) -> SafeString | str:
    """data-session-* attributes for a signed-in page; nothing for a signed-out one."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    times = session_times(request.session)
    return format_html(
        ' data-session-idle-left="{}" data-session-age-left="{}" data-session-warning="{}"'
        ' data-session-status-url="{}" data-session-keepalive-url="{}"'
        ' data-session-login-url="{}" data-csrf-token="{}"',
        max(times.idle_left, 0),
        max(times.age_left, 0),
        settings.SESSION_WARNING_MINUTES * 60,
        reverse("session_status"),
        reverse("session_keepalive"),
        reverse("login"),
        get_token(request),
    )


@register.inclusion_tag("accounts/session_timeout.html", takes_context=True)
def session_timeout_dialog(context) -> dict:
    """The warning dialog before the session ends (hidden until the timer opens it)."""
    request = context.get("request")
    return {
        "show": request is not None and request.user.is_authenticated,
        "warning_minutes": settings.SESSION_WARNING_MINUTES,
        "max_hours": settings.SESSION_MAX_HOURS,
        "csrf_token": context.get("csrf_token"),
    }
