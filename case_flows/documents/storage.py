"""Serving a stored attachment after the view has checked who asks: a short-lived presigned
link for an S3-compatible bucket, X-Accel-Redirect for nginx when
settings.ATTACHMENT_X_ACCEL_PREFIX is set, else Django streams the file itself."""

from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.utils.http import content_disposition_header

from ..models import Attachment
from ..models.attachments import attachments_storage


def is_remote() -> bool:
    """The bucket, not the private folder."""
    return not isinstance(attachments_storage().backend(), FileSystemStorage)


def _private(response: HttpResponseBase) -> HttpResponseBase:
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def attachment_response(attachment: Attachment) -> HttpResponseBase:
    """The file, as a download under its kept name and detected type."""
    storage = attachments_storage()
    key = attachment.file.name
    disposition = content_disposition_header(True, attachment.original_name) or ""
    if is_remote():
        url = storage.url(
            key,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": attachment.content_type,
            },
            expire=settings.ATTACHMENT_URL_SECONDS,
        )
        return _private(HttpResponseRedirect(url))
    prefix = settings.ATTACHMENT_X_ACCEL_PREFIX
    if prefix:
        response = HttpResponse(content_type=attachment.content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(key)
        response["Content-Disposition"] = disposition
        return _private(response)
    return _private(
        FileResponse(
            storage.open(key, "rb"),
            as_attachment=True,
            filename=attachment.original_name,
            content_type=attachment.content_type,
        )
    )


def thumbnail_response(attachment: Attachment) -> HttpResponseBase:
    """A thumbnail is small and shown in the page: always streamed by Django (a bucket's
    host would need a place in the Content-Security-Policy)."""
    storage = attachments_storage()
    return _private(
        FileResponse(storage.open(attachment.thumbnail.name, "rb"), content_type="image/jpeg")
    )
