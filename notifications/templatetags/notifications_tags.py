"""The bell: the unread count on every page, in one query, nothing for anonymous users."""

from django import template

from ..selectors import unread_count

register = template.Library()


@register.inclusion_tag("notifications/bell.html", takes_context=True)
def notification_bell(context):
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"show": False}
    return {"show": True, "count": unread_count(user=user)}


@register.simple_tag
def mailbox_in_use() -> bool:
    """Whether e-mail goes to the development mailbox (a staff link in the menu)."""
    # Imported here: the tag library is loaded by the template engine while the URL
    # configuration (which imports the views) may still be importing.
    from ..views_mailbox import mailbox_in_use as in_use

    return in_use()
