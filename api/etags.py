"""ETags of the records a client may change, and the If-Match check on those changes.

A record's ETag changes whenever what a client would overwrite changes. A write that sends
`If-Match` with an ETag that no longer matches is refused with 409 `stale` and changes
nothing; a write without `If-Match` is allowed (the services' own checks still apply). Which
writes take it: docs/api-resources.md, "ETag and If-Match".
"""

import hashlib

from django.utils.translation import gettext_lazy as _

from workflows.errors import Conflict

STALE = _(
    "This record was changed after you read it (its ETag no longer matches If-Match), so "
    "nothing was saved. Read it again and send your change again."
)


class Stale(Conflict):
    """An If-Match that no longer names the record's current version."""

    code = "stale"

    def __init__(self, message=STALE):
        super().__init__(message)


def etag_of(*parts) -> str:
    """A strong ETag (quoted) from the values that make up a record's version."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
    return f'"{digest}"'


def person_etag(person) -> str:
    # Person.version is raised by every edit (case_flows.cases.services.person_update).
    return etag_of("person", person.pk, person.version)


def case_etag(case) -> str:
    """The case's facts a client may change or act on (not the overdue flag, which the
    deadline sweep sets on its own)."""
    return etag_of(
        "case",
        case.pk,
        case.stage,
        case.risk,
        case.owner_id,
        case.team_id,
        case.category_id,
        case.is_restricted,
        case.episode,
        case.closed_at.isoformat() if case.closed_at else "",
    )


def approval_etag(approval) -> str:
    return etag_of("approval", approval.pk, approval.status, approval.record_id)


def task_etag(task, record_version: str = "") -> str:
    """A task, and the version of an existing record its form edits (the decision draft,
    which others may save meanwhile); a task that writes a new record has none."""
    return etag_of("task", task.pk, record_version)


def _tags(header: str) -> list[str]:
    tags = []
    for raw in header.split(","):
        tag = raw.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag:
            tags.append(tag)
    return tags


def if_match_given(request) -> bool:
    return bool((request.headers.get("If-Match") or "").strip())


def check_if_match(request, current: str) -> None:
    """Raise Stale when the request's If-Match names another version than `current`; no
    If-Match (or `*`): nothing to check."""
    header = (request.headers.get("If-Match") or "").strip()
    if not header:
        return
    tags = _tags(header)
    if "*" in tags or current in tags:
        return
    raise Stale()
