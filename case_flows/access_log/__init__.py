"""The access log: every read of personal data leaves a row (see docs/access-log.md).

Views call `access_record(request, ...)`; the rows wait on the request and
`AccessLogMiddleware` writes them in one INSERT when the view has answered, in the request's
own database connection (nothing is handed to a queue that could lose it). A read that fails
(404, 403) writes nothing: only what was shown is recorded.
"""

from .recording import access_record, access_rows_flush

__all__ = ["access_record", "access_rows_flush"]
