"""/dev/mailbox/: the development mailbox (staff only)."""

from django.urls import path

from . import views_mailbox

app_name = "mailbox"

urlpatterns = [
    path("", views_mailbox.mailbox_list, name="list"),
    path("<int:pk>/", views_mailbox.mailbox_message, name="message"),
    path("<int:pk>/html/", views_mailbox.mailbox_message_html, name="message_html"),
]
