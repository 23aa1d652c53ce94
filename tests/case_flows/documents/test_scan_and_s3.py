"""The virus-scan hook against a fake clamd (a unix socket speaking INSTREAM, started here),
the S3 path against moto's S3-compatible server (started here), and the retention job and
the subject-access file knowing attachments."""

import socket
import struct
import threading

import pytest
import requests
from django.urls import reverse

from case_flows.documents import services
from case_flows.documents.validation import AttachmentRefused
from case_flows.models import Attachment, CaseEvent, EventKind
from case_flows.privacy.services import case_anonymise
from case_flows.privacy.subject_access import person_subject_access
from tests import s3
from tests.case_flows.work.test_views_tasks import client_for
from tests.steps import allocate, close_case

from .conftest import stored_files
from .files import jpeg_with_location, pdf_bytes
from .test_attachments import attach

EICAR_MARK = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"


class FakeClamd(threading.Thread):
    """Answers INSTREAM as clamd does: "stream: OK", or "... FOUND" for the EICAR mark."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen(4)
        self.scanned = []

    def run(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                command = b""
                while not command.endswith(b"\0"):
                    command += conn.recv(1)
                assert command == b"zINSTREAM\0"
                data = b""
                while True:
                    (size,) = struct.unpack("!L", self._exactly(conn, 4))
                    if size == 0:
                        break
                    data += self._exactly(conn, size)
                self.scanned.append(data)
                found = EICAR_MARK in data
                conn.sendall(b"stream: Eicar-Signature FOUND\0" if found else b"stream: OK\0")

    @staticmethod
    def _exactly(conn, n):
        out = b""
        while len(out) < n:
            out += conn.recv(n - len(out))
        return out


@pytest.fixture
def clamd(settings, tmp_path):
    server = FakeClamd(tmp_path / "clamd.sock")
    server.start()
    settings.CLAMD_SOCKET = str(tmp_path / "clamd.sock")
    yield server
    server.server.close()


@pytest.fixture
def case(new_case, supervisor, caseworker):
    allocate(new_case, supervisor, caseworker)
    new_case.refresh_from_db()
    return new_case


def test_clean_file_passes_the_scanner(case, caseworker, clamd):
    attach(case, caseworker)
    assert len(clamd.scanned) == 1 and clamd.scanned[0].startswith(b"%PDF")


def test_infected_file_is_refused(case, caseworker, clamd, private_media):
    infected = pdf_bytes() + b"%" + EICAR_MARK
    with pytest.raises(AttachmentRefused, match="virus scanner found"):
        attach(case, caseworker, content=infected)
    assert not Attachment.objects.exists() and stored_files(private_media) == []


def test_unreachable_scanner_refuses(case, caseworker, settings, tmp_path):
    settings.CLAMD_SOCKET = str(tmp_path / "nobody-listens.sock")
    with pytest.raises(AttachmentRefused, match="could not be checked"):
        attach(case, caseworker)


# --- S3 -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_server():
    with s3.s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def bucket(s3_server, settings, monkeypatch):
    return s3.attachments_bucket(s3_server, "caseflow-attachments", settings, monkeypatch)


def test_s3_upload_and_presigned_download(case, caseworker, bucket, private_media):
    photo = attach(case, caseworker, name="home.jpg", content=jpeg_with_location(), kind="photo")
    keys = {o["Key"] for o in bucket.list_objects_v2(Bucket="caseflow-attachments")["Contents"]}
    assert keys == {photo.file.name, photo.thumbnail.name}
    assert stored_files(private_media) == []  # nothing in the private folder
    client = client_for(caseworker)
    response = client.get(reverse("attachment_download", args=[photo.pk]))
    assert response.status_code == 302
    url = response["Location"]
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url
    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == photo.file.open("rb").read()
    assert "home.jpg" in fetched.headers["Content-Disposition"]
    # The thumbnail is streamed by the app (the page's CSP knows no bucket).
    thumb = client.get(reverse("attachment_thumbnail", args=[photo.pk]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    # Without the signature the bucket refuses.
    assert requests.get(url.split("?")[0], timeout=10).status_code == 403


# --- retention and subject access ----------------------------------------------------------


def test_anonymisation_removes_the_files(
    case, caseworker, supervisor, private_media, django_capture_on_commit_callbacks
):
    attach(case, caseworker, name="passport.pdf", kind="identity")
    photo = attach(case, caseworker, name="home.jpg", content=jpeg_with_location(), kind="photo")
    services.attachment_delete(actor=caseworker, attachment=photo, reason="Blurred")
    assert len(stored_files(private_media)) == 3  # a PDF, a photo and its thumbnail
    # The subject-access file lists them (deleted ones too: they are still held).
    data = person_subject_access(case.person, viewer=supervisor)
    listed = data["cases"][0]["attachments"]
    assert {a["original_name"] for a in listed} == {"passport.pdf", "home.jpg"}
    assert {a["kind_display"] for a in listed} == {"Identity document", "Photo"}
    assert all(a["uploaded_at"] for a in listed) and "file" not in listed[0]
    close_case(case, supervisor, caseworker, allocated=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert case_anonymise(case_pk=case.pk) is True
    assert stored_files(private_media) == []
    assert set(Attachment.objects.values_list("original_name", flat=True)) == {"[redacted]"}
    assert Attachment.objects.filter(purged_at__isnull=False).count() == 2
    names = CaseEvent.objects.filter(kind=EventKind.ATTACHMENT_ADDED).values_list(
        "data__name", flat=True
    )
    assert set(names) == {"[redacted]"}
