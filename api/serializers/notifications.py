"""The user's in-app notifications, their text in the reader's language."""

from rest_framework import serializers

from .common import UserRefSerializer


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.CharField()
    event_label = serializers.CharField(source="get_event_display")
    text = serializers.CharField(help_text="The sentence the page shows, in your language.")
    case_reference = serializers.SerializerMethodField(
        help_text="Empty for a restricted case (never named) or an event without a case."
    )
    link = serializers.CharField(help_text="The page it points to (a path of the site).")
    actor = UserRefSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)

    def get_case_reference(self, notification) -> str:
        if (notification.params or {}).get("restricted"):
            return ""
        return notification.case_reference


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread.")
    unread = serializers.IntegerField(help_text="Unread now.")
