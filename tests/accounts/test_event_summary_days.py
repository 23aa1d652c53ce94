"""The account audit names days in the reader's language, not as stored ISO text."""

from django.utils import translation

from accounts.models import AccountAction, AccountEvent
from accounts.selectors import event_summary


def test_a_tokens_expiry_is_a_day_in_the_readers_language():
    event = AccountEvent(
        action=AccountAction.API_TOKEN_CREATED,
        details={"name": "Report", "scopes": ["cases:read"], "expires": "2026-12-31"},
    )
    with translation.override("en"):
        assert "expires 31 Dec 2026" in event_summary(event)
    with translation.override("pl"):
        assert "31.12.2026" in event_summary(event)
    event.details["expires"] = "not a day"
    assert "not a day" in event_summary(event)  # an odd value is shown as it is
