"""The user's in-app notifications (notifications.selectors, services): the list, newest
first, each with the sentence the page shows in the user's language; marking one or all
read. Nobody reads anyone else's: another's notification is a 404."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from notifications import selectors, services
from notifications.rendering import in_app_text

from ..serializers.errors import errors
from ..serializers.notifications import MarkedReadSerializer, NotificationSerializer
from .base import ResourceView, not_found

SHOW = OpenApiParameter(
    "show", str, enum=["all", "unread"], description="`unread`: only the unread ones."
)


def _with_text(notifications):
    for notification in notifications:
        notification.text = in_app_text(notification)
    return notifications


class NotificationsView(ResourceView):
    scope_family = "notifications"

    @extend_schema(
        operation_id="notifications_list",
        summary="Your notifications",
        description="Your in-app notifications, newest first, each with its text as the "
        "notifications page shows it (in your language, times in your office's time zone).",
        parameters=[SHOW],
        responses={200: NotificationSerializer(many=True), **errors(400, 401, 403)},
    )
    def get(self, request):
        show = request.query_params.get("show", "all")
        if show not in ("all", "unread"):
            raise ValidationError({"show": [_("Choose all or unread.")]})
        found = selectors.notifications_for_user(user=request.user, unread_only=show == "unread")
        page = self.paginate(found)
        return self.paginated(NotificationSerializer(_with_text(page), many=True).data)


class NotificationReadView(ResourceView):
    scope_family = "notifications"

    @extend_schema(
        operation_id="notification_read",
        summary="Mark a notification read",
        description="Read already: it stays as it was (200).",
        request=None,
        responses={200: NotificationSerializer, **errors(401, 403, 404)},
    )
    def post(self, request, notification_id: int):
        notification = (
            selectors.notifications_for_user(user=request.user).filter(pk=notification_id).first()
        )
        if notification is None:
            raise not_found(_("No such notification."))
        services.notification_mark_read(notification=notification, actor=request.user)
        return Response(NotificationSerializer(_with_text([notification])[0]).data)


class NotificationsReadAllView(ResourceView):
    scope_family = "notifications"

    @extend_schema(
        operation_id="notifications_read_all",
        summary="Mark all your notifications read",
        request=None,
        responses={200: MarkedReadSerializer, **errors(401, 403)},
    )
    def post(self, request):
        marked = services.notifications_mark_all_read(actor=request.user)
        unread = selectors.unread_count(user=request.user)
        return Response(MarkedReadSerializer({"marked": marked, "unread": unread}).data)
