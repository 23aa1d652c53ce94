"""Upload and download time of a 5 MB PDF and a 5 MB JPEG through the real views (the checks,
the re-encoding, the private folder, the access log): `python -m bench.attachment_timing`.
Runs against a test database of its own (created or reused: test_<DATABASE name>)."""

import io
import os
import statistics
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("PRIVATE_MEDIA_ROOT", tempfile.mkdtemp(prefix="caseflow-timing-"))

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

RUNS = 5
MB = 1024 * 1024


def pdf_of(size: int) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    stream = DecodedStreamObject()
    line = b"0 0 m 595 842 l S\n"
    stream.set_data(line * (size // len(line)))
    page[NameObject("/Contents")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def jpeg_of(size: int) -> bytes:
    from PIL import Image

    side = 1400
    while True:  # noise compresses badly: a photo of about `size` bytes
        image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=92)
        if out.tell() >= size:
            return out.getvalue()
        side += 200


def main() -> None:
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, keepdb=True)
    import case_flows.cases.services as case_services
    from case_flows.models import Attachment
    from tests.conftest import make_bek, make_caseworker, make_child_welfare, make_supervisor
    from tests.factories import category, make_person
    from tests.steps import allocate

    office = make_bek()
    supervisor = make_supervisor(office)
    caseworker = make_caseworker(office, make_child_welfare(office, supervisor))
    case = case_services.case_open(
        actor=caseworker,
        person=make_person(office, "Timing", "Client"),
        office=office,
        category=category(),
        risk="medium",
        source="walk_in",
        presenting_concerns="Timing",
    )
    allocate(case, supervisor, caseworker)
    client = Client()
    client.force_login(caseworker)
    files = {"PDF": ("a.pdf", pdf_of(5 * MB)), "JPEG": ("a.jpg", jpeg_of(5 * MB))}
    try:
        for label, (name, content) in files.items():
            ups, downs = [], []
            for _ in range(RUNS):
                start = time.perf_counter()
                response = client.post(
                    reverse("case_attachments", args=[case.pk]),
                    {"file": SimpleUploadedFile(name, content), "kind": "other"},
                )
                ups.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 302, response.content[:500]
                attachment = Attachment.objects.filter(case=case).latest("pk")
                start = time.perf_counter()
                response = client.get(reverse("attachment_download", args=[attachment.pk]))
                body = b"".join(response.streaming_content)
                downs.append((time.perf_counter() - start) * 1000)
                assert len(body) == attachment.size
            print(
                f"{label} {len(content) / MB:.1f} MB: upload median {statistics.median(ups):.0f} ms"
                f" (min {min(ups):.0f}), download median {statistics.median(downs):.0f} ms"
                f" (min {min(downs):.0f}), stored {attachment.size / MB:.1f} MB"
            )
    finally:
        connection.creation.destroy_test_db(
            connection.settings_dict["NAME"], verbosity=0, keepdb=False
        )


if __name__ == "__main__":
    main()
