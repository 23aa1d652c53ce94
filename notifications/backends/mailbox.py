"""Development e-mail backend: keep each message in the database for the staff mailbox page
(/dev/mailbox/) instead of printing it to the terminal or sending it."""

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class MailboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        # Imported here: settings name this backend before the app registry is ready.
        from ..models import MailboxMessage

        rows = []
        for message in email_messages:
            html = ""
            for content, mimetype in getattr(message, "alternatives", None) or []:
                if mimetype == "text/html":
                    html = content
                    break
            headers = {str(key): str(value) for key, value in (message.extra_headers or {}).items()}
            rows.append(
                MailboxMessage(
                    from_email=message.from_email or settings.DEFAULT_FROM_EMAIL,
                    to=", ".join(message.recipients()),
                    subject=message.subject[:998],
                    language=headers.get("Content-Language", "")[:10],
                    body=message.body or "",
                    html=html,
                    headers=headers,
                )
            )
        if not rows:
            return 0
        try:
            MailboxMessage.objects.bulk_create(rows)
            keep = settings.DEV_MAILBOX_KEEP
            if keep > 0:
                # Keep the newest messages only: one indexed DELETE per send.
                newest = MailboxMessage.objects.order_by("-id").values_list("id", flat=True)
                cutoff = list(newest[keep : keep + 1])
                if cutoff:
                    MailboxMessage.objects.filter(id__lte=cutoff[0]).delete()
        except Exception:
            if not self.fail_silently:
                raise
            return 0
        return len(rows)
