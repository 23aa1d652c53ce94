"""Errors the workflow kernel raises; views turn them into messages (HTTP 409 in the API)."""


class WorkflowError(Exception):
    """A request that is not allowed in the current state. `message` is translated."""

    status_code = 400

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class Conflict(WorkflowError):
    """The thing changed under the user: already claimed, already decided, a lost race."""

    status_code = 409


class NotPermitted(WorkflowError):
    status_code = 403
