"""Attachments: recognised by their content, rebuilt so that no metadata or active content survives.

Accepted: JPEG and PNG photos (decoded within a pixel limit, turned upright and re-encoded from
their pixels, which drops EXIF, GPS, colour profiles and text chunks) and PDF documents (parsed
strictly, refused if they carry scripts, launch or submit actions or embedded files, then
rewritten page by page, which drops document metadata, catalogue extras and anything after the
end of the file). A file's name is never kept: names can carry personal data, so files are called
``attachment-1.jpg`` and so on.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

from portal.core.errors import DomainError

MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024
# A phone's main camera takes 12 to 24 megapixels (about 100 MB once decoded as RGBA).
MAX_PIXELS = 24_000_000
MAX_PDF_PAGES = 200
# Bounds the time spent checking and copying a PDF (about 2 s per 100,000 objects); documents
# people send have far fewer, even scans of 200 pages.
MAX_PDF_OBJECTS = 100_000
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
ACCEPT = ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf"
# Keys and names (action types, annotation and object types) of what runs, launches a program,
# sends or imports data, plays media or carries a file inside a PDF.
ACTIVE_PDF_NAMES = frozenset({
    "/JavaScript", "/JS", "/Launch", "/SubmitForm", "/ImportData", "/RichMedia",
    "/RichMediaContent", "/XFA", "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/FileAttachment",
    "/GoToE",
})
# Page entries the copy leaves out, at every level below the page (XMP packets, editor data).
PDF_PAGE_EXTRAS = ("/Metadata", "/PieceInfo")
DAMAGED_PDF = _l("This PDF is damaged or incomplete.")
TOO_MANY_PIXELS = _l("This image is too large (more than 24 megapixels).")


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


def _mode(image: Image.Image, media_type: str) -> str:
    """The mode to save in: the image's own when the format takes it, so that nothing is copied."""
    if media_type == "image/jpeg":
        return image.mode if image.mode in {"L", "RGB"} else "RGB"
    if "transparency" in image.info:
        return "RGBA"
    if image.mode in {"L", "LA", "RGB", "RGBA"}:
        return image.mode
    return "RGBA" if "A" in image.getbands() else "RGB"


def _decode(image: Image.Image, media_type: str) -> Image.Image:
    """The pixels, upright, in a mode the format saves, with no metadata attached."""
    if image.width * image.height > MAX_PIXELS:
        raise AttachmentError(TOO_MANY_PIXELS)
    image.load()
    ImageOps.exif_transpose(image, in_place=True)
    mode = _mode(image, media_type)
    pixels = image if image.mode == mode else image.convert(mode)
    pixels.info = {}
    return pixels


def _reencode(data: bytes, media_type: str) -> bytes:
    output = io.BytesIO()
    try:
        # Image.open reads only the header, so the size is known before anything is decoded.
        with Image.open(io.BytesIO(data), formats=[FORMATS[media_type]]) as image:
            pixels = _decode(image, media_type)
            if media_type == "image/jpeg":
                # Without optimize=True, which holds one more byte per pixel while encoding.
                pixels.save(output, "JPEG", quality=90, exif=b"")
            else:
                # zlib's default level: level 9 (optimize=True) takes ~30 s on a 24 MP image.
                pixels.save(output, "PNG", compress_level=6)
    except AttachmentError:
        raise
    except Image.DecompressionBombError:  # Pillow's own limit, raised on opening
        raise AttachmentError(TOO_MANY_PIXELS) from None
    except Exception:
        # Pillow reports broken files with many exception types (OSError, SyntaxError,
        # struct.error, EOFError...): all mean "not a usable image".
        raise AttachmentError(_l("This image is damaged or not really a JPEG or PNG.")) from None
    return output.getvalue()


def _pdf_reader(data: bytes) -> PdfReader:
    """A strict parse of the whole file: HTML or a ZIP archive behind ``%PDF-`` fails here."""
    reader = PdfReader(io.BytesIO(data), strict=True)
    if reader.is_encrypted and not reader.decrypt(""):
        raise AttachmentError(_l("This PDF is protected by a password. Please send a copy "
                                 "without a password."))
    if len(reader.pages) > MAX_PDF_PAGES:
        raise AttachmentError(_l("This PDF has more than 200 pages. Please send only the pages "
                                 "that matter for your complaint."))
    return reader


def _runs_action(value: PdfObject) -> bool:
    """Whether an /OpenAction or /AA entry does more than show a page."""
    if not isinstance(value, DictionaryObject) or not value:
        return False  # a destination array, like [page /Fit], only shows a page
    # LaTeX (hyperref) opens every document with << /S /GoTo /D [page /Fit] >>: a destination too.
    return "/S" not in value or value["/S"] != "/GoTo" or "/Next" in value


def _active_entry(node: DictionaryObject) -> bool:
    """Whether a dictionary names active content or holds an action run on opening or events."""
    if any(key in ACTIVE_PDF_NAMES for key in node):
        return True
    return any(_runs_action(node[key]) for key in ("/OpenAction", "/AA") if key in node)


def _has_active_content(reader: PdfReader) -> bool:
    """Walk every object reachable from the catalogue, each once, looking for active content."""
    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject | None] = [reader.trailer.raw_get("/Root")]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            if len(seen) > MAX_PDF_OBJECTS:
                raise AttachmentError(_l("This PDF is too complex to be checked. Please send "
                                         "fewer pages or a simpler copy."))
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            if _active_entry(node):
                return True
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
        elif isinstance(node, NameObject) and node in ACTIVE_PDF_NAMES:
            return True
    return False


def _rewrite(reader: PdfReader) -> bytes:
    """A new file with the pages only: no document metadata, outline, forms or trailing data."""
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page, excluded_keys=PDF_PAGE_EXTRAS)
    writer.metadata = None
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _rebuild_pdf(data: bytes) -> bytes:
    try:
        reader = _pdf_reader(data)
        if _has_active_content(reader):
            raise AttachmentError(_l('This PDF contains scripts, embedded files or other active '
                                     'content, which cannot be accepted. Please save it again '
                                     'as a plain PDF (for example with "Print to PDF") and '
                                     'send that.'))
        return _rewrite(reader)
    except AttachmentError:
        raise
    except Exception:
        # pypdf reports broken files with many exception types (PdfReadError, ValueError,
        # KeyError, RecursionError...): all mean "not a usable PDF".
        raise AttachmentError(DAMAGED_PDF) from None


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
        return CleanFile(media_type, _rebuild_pdf(data))
    return CleanFile(media_type, _reencode(data, media_type))
