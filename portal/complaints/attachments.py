"""Attachments: recognised by their content, images re-encoded so that no metadata survives.

Accepted: JPEG, PNG (re-encoded from their pixels, which drops EXIF, GPS and text chunks, after
turning photos upright) and PDF (kept as sent). A file's name is never kept: names can carry
personal data, so files are called ``attachment-1.jpg`` and so on.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from portal.core.errors import DomainError

MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
ACCEPT = ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf"


class AttachmentError(DomainError):
    """A file cannot be accepted."""


@dataclass(frozen=True)
class CleanFile:
    """An accepted file, ready to store."""

    media_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        """Hex digest, for staff to compare copies."""
        return hashlib.sha256(self.data).hexdigest()

    def filename(self, index: int) -> str:
        """``attachment-1.jpg``."""
        return f"attachment-{index}.{EXTENSIONS[self.media_type]}"


def sniff(data: bytes) -> str | None:
    """The media type the content shows, whatever the file is called."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def _reencode(data: bytes, media_type: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise AttachmentError(_l("This image is too large (more than 40 megapixels)."))
            upright = ImageOps.exif_transpose(image)
            mode = "RGB" if media_type == "image/jpeg" else (
                "RGBA" if "A" in upright.getbands() or "transparency" in upright.info else "RGB")
            pixels = upright.convert(mode)
            fresh = Image.frombytes(mode, pixels.size, pixels.tobytes())
    except AttachmentError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Exception):
        # Pillow reports broken files with many exception types (OSError, SyntaxError,
        # struct.error, EOFError...): all of them mean the upload is not a usable image.
        raise AttachmentError(_l("This image is damaged or not really a JPEG or PNG.")) from None
    output = io.BytesIO()
    if media_type == "image/jpeg":
        fresh.save(output, "JPEG", quality=90, optimize=True)
    else:
        fresh.save(output, "PNG", optimize=True)
    return output.getvalue()


def clean(data: bytes) -> CleanFile:
    """Check a file by its content and strip what it says about its author."""
    if len(data) > MAX_BYTES:
        raise AttachmentError(_l("Each file may be at most 10 MB."))
    if not data:
        raise AttachmentError(_l("This file is empty."))
    media_type = sniff(data)
    if media_type is None:
        raise AttachmentError(_l("Only JPEG and PNG photos and PDF documents can be attached."))
    if media_type == "application/pdf":
        if b"%%EOF" not in data[-2048:]:
            raise AttachmentError(_l("This PDF is damaged or incomplete."))
        return CleanFile(media_type, data)
    return CleanFile(media_type, _reencode(data, media_type))
