"""What the restore drill (workflows/restore_drill.py) checks of the case data in a restored
database: the timeline of every case, every attachment's file, and a case page.

Each runs while Django's default database is the restored copy; `drill.source_rows` reads the
source as it was dumped. The timeline carries no hash chain of its own: the drill computes a
digest of each case's events on both sides instead, so an event lost, added or altered in the
copy is caught, not only a count that differs.
"""

from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.second_factor.state import DONE, SESSION_KEY
from workflows.restore_drill import Finding, RestoreDrill, file_sha256

from .cases.selectors import case_for_user
from .models import Attachment, Case

# Per case: its number of events and a digest of all of them, in order.
TIMELINE_DIGESTS = """
    SELECT case_id, count(*), md5(string_agg(to_jsonb(e)::text, '|' ORDER BY id))
    FROM case_flows_caseevent e GROUP BY case_id
"""
APPEND_ONLY_TABLES = ("case_flows_caseevent", "case_flows_accessevent")


def check_timeline(drill: RestoreDrill) -> Iterator[Finding]:
    source = {case: (n, digest) for case, n, digest in drill.source_rows(TIMELINE_DIGESTS)}
    with connection.cursor() as cursor:
        cursor.execute(TIMELINE_DIGESTS)
        copy = {case: (n, digest) for case, n, digest in cursor.fetchall()}
    wrong = []
    for case_id in sorted(source.keys() | copy.keys()):
        before, after = source.get(case_id, (0, None)), copy.get(case_id, (0, None))
        if before[0] != after[0]:
            wrong.append(f"case {case_id}: {before[0]} events -> {after[0]}")
        elif before[1] != after[1]:
            wrong.append(f"case {case_id}: events differ")
    yield Finding(
        "timeline events per case",
        not wrong,
        "; ".join(wrong[:20])
        or f"{len(source)} cases, {sum(n for n, _d in source.values())} events, all equal",
    )
    for table in APPEND_ONLY_TABLES:
        refused = [op for op in ("UPDATE", "DELETE") if _refused(table, op)]
        yield Finding(
            f"{table} append-only",
            len(refused) == 2,
            "the trigger refuses UPDATE and DELETE"
            if len(refused) == 2
            else f"the restored table accepts {' and '.join({'UPDATE', 'DELETE'} - set(refused))}",
        )


def _refused(table: str, operation: str) -> bool:
    """Whether the restored table refuses a change to its first row (rolled back anyway)."""
    statement = {
        "UPDATE": f"UPDATE {table} SET id = id WHERE id = (SELECT min(id) FROM {table})",
        "DELETE": f"DELETE FROM {table} WHERE id = (SELECT min(id) FROM {table})",
    }[operation]
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")
                if cursor.fetchone() is None:
                    cursor.execute(
                        "SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                        "WHERE c.relname = %s AND NOT t.tgisinternal AND t.tgenabled <> 'D'",
                        [table],
                    )
                    return cursor.fetchone() is not None  # empty: the trigger must be there
                cursor.execute(statement)
            transaction.set_rollback(True)
    except DatabaseError:
        return True
    return False


def check_attachments(drill: RestoreDrill) -> Iterator[Finding]:
    """Every attachment row whose file was not purged: the file is in the restored store with
    the size and SHA-256 the row recorded (and its thumbnail is there)."""
    storage = drill.restored_attachment_storage()
    rows = Attachment.objects.filter(purged_at__isnull=True).values_list(
        "pk", "file", "thumbnail", "size", "sha256"
    )
    wrong, checked = [], 0
    for pk, name, thumbnail, size, sha256 in rows.order_by("pk").iterator():
        checked += 1
        if not storage.exists(name):
            wrong.append(f"attachment {pk}: file missing")
            continue
        if drill.attachments_root is None:  # a bucket: its size only (no download of all)
            if storage.size(name) != size:
                wrong.append(f"attachment {pk}: size differs")
        else:
            with storage.open(name, "rb") as opened:
                if file_sha256(opened) != sha256:
                    wrong.append(f"attachment {pk}: checksum differs")
        if thumbnail and not storage.exists(thumbnail):
            wrong.append(f"attachment {pk}: thumbnail missing")
    if drill.attachments_root is None:
        summary = f"{checked} files present in the bucket (not copied), sizes equal"
    else:
        summary = f"{checked} files present in the copy, checksums equal"
    yield Finding("attachment files", not wrong, "; ".join(wrong[:20]) or summary)


def check_case_page(drill: RestoreDrill) -> Iterator[Finding]:
    """A case page renders from the restored database for someone who may see it (the case's
    owner), with the case's reference on it."""
    for case in Case.objects.filter(owner__is_active=True).select_related("owner").order_by("pk"):
        if case_for_user(case.owner, case.pk, to_read=True) is not None:
            break
    else:
        yield Finding("case page", not Case.objects.exists(), "no case has an owner who may see it")
        return
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"), "localhost")
    client = Client(HTTP_HOST=host)
    client.force_login(case.owner)
    session = client.session
    session[SESSION_KEY] = DONE  # the drill stands in for a person who signed in fully
    session.save()
    with translation.override(settings.LANGUAGE_CODE):
        response = client.get(reverse("case_detail", args=[case.pk]), secure=True)
    shown = response.status_code == 200 and case.reference in response.content.decode()
    yield Finding(
        "case page",
        shown,
        f"case {case.reference} as {case.owner.username}: HTTP {response.status_code}"
        + ("" if shown else ", reference not on the page"),
    )
