"""Files for the attachment tests, made here (no fixture files to keep in the repository)."""

import io
import struct
import zlib

from PIL import ExifTags, Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject


def pdf_bytes(*, javascript: str | None = None, launch: bool = False, pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    if javascript:
        # In the document's names tree (run when it opens), behind an indirect object.
        action = writer._add_object(
            DictionaryObject(
                {
                    NameObject("/S"): NameObject("/JavaScript"),
                    NameObject("/JS"): TextStringObject(javascript),
                }
            )
        )
        names = DictionaryObject(
            {NameObject("/Names"): ArrayObject([TextStringObject("open"), action])}
        )
        writer._root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): writer._add_object(names)}
        )
    if launch:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc")}
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def jpeg_with_location(size=(640, 480)) -> bytes:
    """A photo with the camera's make and a GPS position in its EXIF."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 13.0, 7.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (21.0, 0.0, 42.0),
    }
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data))


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG whose header claims billions of pixels (a few hundred bytes on disk)."""
    header = struct.pack("!IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    idat = zlib.compress(b"\0" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def windows_program() -> bytes:
    """The start of a Windows program (an "MZ" executable), to be renamed "x.pdf"."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\0" * 2000
