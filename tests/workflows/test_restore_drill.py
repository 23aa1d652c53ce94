"""The restore drill (workflows/restore_drill.py, `manage.py restore_drill`): a small seeded
installation backs up and restores whole, and a restore that loses a timeline event, a file
or a trigger is reported as failed, with exit status 1, and leaves no database behind."""

import io

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

import case_flows.cases.services as case_services
import workflows.restore_drill as drill_module
from case_flows.documents import services as documents
from case_flows.models import Attachment, CaseEvent
from config.settings.base import attachments_storage
from tests import s3
from tests.case_flows.documents.files import pdf_bytes
from tests.factories import category, make_person
from tests.steps import allocate

TARGET = "cf_restore_drill_test"


@pytest.fixture
def seeded(transactional_db, settings, tmp_path, office, team, supervisor, caseworker):
    """Three cases with their timelines (one allocated), and one attachment on a file."""
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": attachments_storage("", tmp_path / "private"),
    }
    return _seed(office, supervisor, caseworker)


@pytest.fixture
def seeded_in_a_bucket(
    transactional_db, settings, monkeypatch, office, team, supervisor, caseworker
):
    """The same, with the attachments in an S3-compatible bucket (moto's server, started
    here): the drill does not copy a bucket, it checks the restored rows against it."""
    with s3.s3_server() as endpoint:
        client = s3.attachments_bucket(endpoint, "caseflow-drill", settings, monkeypatch)
        yield _seed(office, supervisor, caseworker), client


def _seed(office, supervisor, caseworker):
    cases = []
    for first, last in (("Kwame", "Mensah"), ("Ama", "Owusu"), ("Kofi", "Boateng")):
        cases.append(
            case_services.case_open(
                actor=caseworker,
                person=make_person(office, first, last),
                office=office,
                category=category(),
                risk="medium",
                source="walk_in",
                presenting_concerns="Child out of school",
            )
        )
    allocate(cases[0], supervisor, caseworker)
    cases[0].refresh_from_db()
    documents.attachment_create(
        actor=caseworker,
        case=cases[0],
        kind="income",
        description="Payslip",
        file=SimpleUploadedFile("payslip.pdf", pdf_bytes(), content_type="application/pdf"),
    )
    assert Attachment.objects.count() == 1 and CaseEvent.objects.count() >= 4
    return cases


def run_drill() -> str:
    out = io.StringIO()
    try:
        call_command("restore_drill", target=TARGET, stdout=out)
    except CommandError as exc:
        out.write(f"\nERROR {exc}")
    return out.getvalue()


def target_exists() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [TARGET])
        return cursor.fetchone() is not None


def test_a_seeded_installation_restores_whole(seeded):
    report = run_drill()

    assert "ERROR" not in report and "FAIL" not in report, report
    assert "The restore drill passed." in report
    for check in (
        "row counts",
        "triggers",
        "timeline events per case: 3 cases",
        "case_flows_caseevent append-only: the trigger refuses UPDATE and DELETE",
        "attachment files: 1 files present in the copy, checksums equal",
        f"case page: case {seeded[0].reference} as cw: HTTP 200",
    ):
        assert check in report, report
    assert not target_exists()


def _on_restored(statements):
    with psycopg.connect(dbname=TARGET, **_server(), autocommit=True) as restored:
        for statement in statements:
            restored.execute(statement)


def _server():
    s = connection.settings_dict
    return {"host": s["HOST"] or None, "port": s["PORT"] or None, "user": s["USER"] or None}


def test_a_broken_restore_fails_the_drill(seeded, monkeypatch):
    """A restore that lost one timeline event and the access log's trigger, and a restored
    attachment store missing its file: each named in the report, exit status non-zero."""
    restore_database, restore_files = (
        drill_module.database_restore,
        drill_module.attachments_restore,
    )

    def lossy_database_restore(drill):
        restore_database(drill)
        _on_restored(
            [
                "ALTER TABLE case_flows_caseevent DISABLE TRIGGER caseevent_append_only",
                "DELETE FROM case_flows_caseevent"
                " WHERE id = (SELECT max(id) FROM case_flows_caseevent)",
                "ALTER TABLE case_flows_caseevent ENABLE TRIGGER caseevent_append_only",
                "DROP TRIGGER accessevent_append_only ON case_flows_accessevent",
            ]
        )

    def lossy_files_restore(drill):
        restore_files(drill)
        for path in drill.restored_attachments_root.rglob("*"):
            if path.is_file():
                path.unlink()

    monkeypatch.setattr(drill_module, "database_restore", lossy_database_restore)
    monkeypatch.setattr(drill_module, "attachments_restore", lossy_files_restore)

    report = run_drill()

    assert "ERROR The restore drill FAILED" in report, report
    failed = [line for line in report.splitlines() if "FAIL " in line]
    assert any("row counts: public.case_flows_caseevent:" in line for line in failed), report
    assert any(
        "triggers: case_flows_accessevent.accessevent_append_only: missing" in line
        for line in failed
    ), report
    assert any("timeline events per case: case " in line for line in failed), report
    assert any("case_flows_accessevent append-only" in line for line in failed), report
    assert any(
        "attachment files: attachment" in line and "file missing" in line for line in failed
    ), report
    assert not any("case page" in line for line in failed), report
    assert not target_exists()


def test_attachments_in_a_bucket_are_checked_against_it(seeded_in_a_bucket):
    """A bucket is not copied: the restored rows are checked against the live bucket (each
    file there, its size as recorded); a file gone from the bucket fails the drill."""
    _cases, bucket = seeded_in_a_bucket
    attachment = Attachment.objects.get()
    keys = {o["Key"] for o in bucket.list_objects_v2(Bucket="caseflow-drill")["Contents"]}
    assert attachment.file.name in keys

    report = run_drill()
    assert "The restore drill passed." in report, report
    assert "attachment files: 1 files present in the bucket (not copied), sizes equal" in report

    bucket.delete_object(Bucket="caseflow-drill", Key=attachment.file.name)
    report = run_drill()
    assert "ERROR The restore drill FAILED" in report, report
    assert f"attachment files: attachment {attachment.pk}: file missing" in report, report
    assert not target_exists()
