"""What an uploaded file must pass before anything is stored: its name, its size, its type
detected from its content (never from its name), and what its parser finds inside.

The type is detected by `filetype` (pure Python, no system library: it installs with pip
alone, and reads only the first bytes); the detection is only the gate: the file is then
parsed for real (Pillow decodes and re-encodes an image, pypdf walks a PDF), so a file that
merely starts like a PDF or a JPEG is refused as damaged.
"""

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass, field

import filetype
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from workflows.errors import WorkflowError

# Detected type -> the extension the stored and downloaded file gets.
ALLOWED_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
}
# What the file inputs offer (the server decides by content anyway).
ACCEPT = "image/jpeg,image/png,image/webp,application/pdf,.pdf,.jpg,.jpeg,.png,.webp"
EXTENSIONS_OF = {
    "application/pdf": {".pdf"},
    "image/jpeg": {".jpg", ".jpeg", ".jpe", ".jfif"},
    "image/png": {".png"},
    "image/webp": {".webp"},
}
# Extensions that run something when opened: anywhere in a name ("x.pdf.exe", "x.exe.pdf")
# the file is refused, whatever its content.
DANGEROUS_EXTENSIONS = frozenset(
    ".exe .com .bat .cmd .scr .pif .cpl .msi .msp .dll .sys .js .jse .vbs .vbe .wsf .wsh .hta"
    " .ps1 .psm1 .sh .bash .jar .apk .app .lnk .reg .inf .scf .url .html .htm .xhtml .svg .php"
    " .py .pl .rb .docm .xlsm .pptm .iso .img .vhd".split()
)
THUMBNAIL_SIZE = (320, 320)
JPEG_QUALITY = 85
# PDF dictionary keys that carry a script or start a program.
PDF_ACTIVE_KEYS = frozenset({"/JavaScript", "/JS", "/Launch", "/RichMedia"})
PDF_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/RichMedia", "/ImportData"})
PDF_MAX_OBJECTS = 200_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class AttachmentRefused(WorkflowError):
    """The file cannot be attached; `message` says why, in the user's language."""


@dataclass
class CheckedFile:
    """The file as it will be stored: its bytes (re-encoded for an image), its type, a
    thumbnail for an image, and the safe name."""

    content: bytes
    content_type: str
    name: str
    thumbnail: bytes | None = None
    sha256: str = field(init=False)

    def __post_init__(self):
        self.sha256 = hashlib.sha256(self.content).hexdigest()

    @property
    def extension(self) -> str:
        return ALLOWED_TYPES[self.content_type]


def max_bytes() -> int:
    return int(settings.ATTACHMENT_MAX_MB) * 1024 * 1024


def safe_name(name: str) -> str:
    """The name to keep: no folders (refused), no dangerous extension anywhere (refused),
    no control characters, at most 150 characters."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if "/" in name or "\\" in name or name in (".", ".."):
        raise AttachmentRefused(
            _("The file name must not contain folders. Rename the file and try again.")
        )
    name = _CONTROL.sub("", name).strip(" .")
    if not name:
        raise AttachmentRefused(_("The file has no name. Rename the file and try again."))
    parts = name.lower().split(".")
    if any(f".{part}" in DANGEROUS_EXTENSIONS for part in parts[1:]):
        raise AttachmentRefused(
            _(
                "“%(name)s” has an extension of a program or script. Only PDF files and photos"
                " (JPEG, PNG, WebP) can be attached."
            )
            % {"name": name[:80]}
        )
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 150 - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else name[:150]
    return name


def _name_for(name: str, content_type: str) -> str:
    """The name with the extension of what the file is (a PDF named "scan.jpg" is
    "scan.pdf" when downloaded, so it opens in the right program)."""
    stem, dot, ext = name.rpartition(".")
    if dot and f".{ext.lower()}" in EXTENSIONS_OF[content_type]:
        return name
    return f"{stem if dot else name}{ALLOWED_TYPES[content_type]}"


def _read_limited(upload) -> bytes:
    size = getattr(upload, "size", None)
    limit = max_bytes()
    if size is not None and size > limit:
        raise _too_large()
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _too_large()
    if not content:
        raise AttachmentRefused(_("The file is empty. Choose the file again."))
    return content


def _too_large() -> AttachmentRefused:
    return AttachmentRefused(
        _("The file is larger than %(mb)s MB. Scan or photograph it at a lower resolution.")
        % {"mb": settings.ATTACHMENT_MAX_MB}
    )


def detect_type(content: bytes) -> str:
    kind = filetype.guess(content[:8192])
    mime = kind.mime if kind is not None else ""
    if mime not in ALLOWED_TYPES:
        raise AttachmentRefused(
            _(
                "This file is not a PDF or a photo (JPEG, PNG, WebP), whatever its name says."
                " Save it as a PDF and try again."
            )
        )
    return mime


def _image_open(content: bytes) -> Image.Image:
    """Open and decode the image under the pixel limit: a larger one (a decompression bomb,
    or a picture far beyond any scan) is refused before it is decoded."""
    limit = int(settings.ATTACHMENT_MAX_IMAGE_PIXELS)
    refused = AttachmentRefused(
        _(
            "The image is too large (more than %(mp)s million pixels). Photograph or scan it"
            " at a lower resolution."
        )
        % {"mp": limit // 1_000_000}
    )
    try:
        with warnings.catch_warnings():
            # Pillow refuses past twice its own limit and only warns above it: refuse there
            # too; our (lower) limit is checked on the header, before any pixel is decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            if image.width * image.height > limit:
                raise refused
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refused from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise AttachmentRefused(
            _("The image is damaged and cannot be read. Take the photo again.")
        ) from exc
    return image


def reencode_image(content: bytes, content_type: str) -> tuple[bytes, bytes]:
    """The image re-encoded from its pixels alone (EXIF, GPS, comments and any trailing data
    are gone; the camera's rotation is applied first), and a JPEG thumbnail."""
    image = _image_open(content)
    image = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    if content_type == "image/png":
        image.save(out, "PNG", optimize=False)
    elif content_type == "image/webp":
        image.save(out, "WEBP", quality=JPEG_QUALITY)
    else:
        image.convert("RGB").save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    thumb = image.convert("RGB")
    thumb.thumbnail(THUMBNAIL_SIZE)
    thumb_out = io.BytesIO()
    thumb.save(thumb_out, "JPEG", quality=80)
    return out.getvalue(), thumb_out.getvalue()


def _pdf_active_content(reader: PdfReader) -> bool:
    """Walk every dictionary reachable from the trailer (bounded): a JavaScript or a launch
    action anywhere (document open action, page or annotation action, names tree) is found."""
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    visited = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            ref = (obj.idnum, obj.generation)
            if ref in seen:
                continue
            seen.add(ref)
            obj = obj.get_object()
        visited += 1
        if visited > PDF_MAX_OBJECTS:
            return True  # too deep to vouch for
        if isinstance(obj, DictionaryObject):
            if PDF_ACTIVE_KEYS & set(obj.keys()):
                return True
            action = obj.get("/S")
            if isinstance(action, NameObject) and action in PDF_ACTIVE_ACTIONS:
                return True
            stack.extend(v for k, v in obj.items() if k != "/Parent")
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return False


def check_pdf(content: bytes) -> None:
    damaged = AttachmentRefused(
        _("The PDF is damaged and cannot be read. Save or scan it again and try again.")
    )
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise AttachmentRefused(
                _("The PDF is protected by a password. Save it without the password and try again.")
            )
        active = _pdf_active_content(reader)
    except AttachmentRefused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, RecursionError, OSError) as exc:
        raise damaged from exc
    if active:
        raise AttachmentRefused(
            _(
                "The PDF contains a script or an action that starts a program, and is refused."
                " Print it to a new PDF (or scan it) and attach that."
            )
        )


def check_upload(upload, *, name: str | None = None) -> CheckedFile:
    """Everything but the virus scan and the per-case count: returns the file as it will be
    stored, or raises AttachmentRefused with the reason. Stores nothing."""
    original = safe_name(name if name is not None else getattr(upload, "name", "") or "")
    content = _read_limited(upload)
    content_type = detect_type(content)
    thumbnail = None
    if content_type == "application/pdf":
        check_pdf(content)
    else:
        content, thumbnail = reencode_image(content, content_type)
    return CheckedFile(
        content=content,
        content_type=content_type,
        name=_name_for(original, content_type),
        thumbnail=thumbnail,
    )
