"""Decoding and rebuilding of uploaded files, with no Flask in sight so that it can run in a
process of its own (``python -I decoding.py``) under CPU-time and memory limits.

Photos (JPEG, PNG) are decoded within a pixel limit, turned upright and re-encoded from their
pixels, which drops EXIF, GPS, colour profiles and text chunks. PDFs are parsed strictly,
refused if they carry scripts, launch or submit actions, embedded files or media, and rewritten
page by page, which drops document metadata, catalogue extras and anything after the end of
the file. What is refused is named by a key (``Refused.key``) that the portal translates.
"""

from __future__ import annotations

import io
import resource
import struct
import sys
from typing import TYPE_CHECKING, BinaryIO

# Pillow and pypdf are loaded by the functions that decode (in the worker process that cleans
# a file): the web process that only imports this module for its limits does not hold them.
if TYPE_CHECKING:
    from PIL import Image
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject, PdfObject

MAX_BYTES = 10 * 1024 * 1024
# A phone's main camera takes 12 to 24 megapixels (about 100 MB once decoded as RGBA).
MAX_PIXELS = 24_000_000
MAX_PDF_PAGES = 200
# Bounds the time spent checking and copying a PDF (about 2 s per 100,000 objects); documents
# people send have far fewer, even scans of 200 pages.
MAX_PDF_OBJECTS = 100_000
# A progressive JPEG has about ten scans; thousands of them make decoding take minutes.
MAX_JPEG_SCANS = 100
# Re-encoding a small, highly compressible image can give a huge file: keep what is stored small.
MAX_OUTPUT_BYTES = 16 * 1024 * 1024
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
# Keys and names (action types, annotation and object types) of what runs, launches a program,
# sends or imports data, plays media or carries a file inside a PDF.
ACTIVE_PDF_NAMES = frozenset({
    "/JavaScript", "/JS", "/Launch", "/SubmitForm", "/ImportData", "/RichMedia",
    "/RichMediaContent", "/XFA", "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/FileAttachment",
    "/GoToE", "/GoToR", "/Rendition", "/3D", "/Movie", "/Sound", "/Screen",
})
# Links may open web pages and write emails; any other scheme (javascript:, file:, \\host\share)
# reaches outside the viewer.
SAFE_URI_PREFIXES = ("http://", "https://", "mailto:")
# Page entries the copy leaves out, at every level below the page (XMP packets, editor data).
PDF_PAGE_EXTRAS = ("/Metadata", "/PieceInfo")
# Limits of the process that decodes one request's files (at most five of 10 MB).
CPU_SECONDS = 20
MEMORY_BYTES = 1024 * 1024 * 1024


class Refused(Exception):
    """A file cannot be accepted; ``key`` names why (see ``attachments.MESSAGES``)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


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
    from PIL import ImageOps

    if image.width * image.height > MAX_PIXELS:
        raise Refused("too_many_pixels")
    image.load()
    ImageOps.exif_transpose(image, in_place=True)
    mode = _mode(image, media_type)
    pixels = image if image.mode == mode else image.convert(mode)
    pixels.info = {}
    return pixels


def _reencode(data: bytes, media_type: str) -> bytes:
    from PIL import Image

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
    except Refused:
        raise
    except Image.DecompressionBombError:  # Pillow's own limit, raised on opening
        raise Refused("too_many_pixels") from None
    except Exception:
        # Pillow reports broken files with many exception types (OSError, SyntaxError,
        # struct.error, EOFError...): all mean "not a usable image".
        raise Refused("damaged_image") from None
    return output.getvalue()


def _pdf_reader(data: bytes) -> PdfReader:
    """A strict parse of the whole file: HTML or a ZIP archive behind ``%PDF-`` fails here."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=True)
    if reader.is_encrypted and not reader.decrypt(""):
        raise Refused("pdf_password")
    if len(reader.pages) > MAX_PDF_PAGES:
        raise Refused("pdf_pages")
    return reader


def _runs_action(value: PdfObject) -> bool:
    """Whether an /OpenAction or /AA entry does more than show a page."""
    from pypdf.generic import DictionaryObject

    if not isinstance(value, DictionaryObject) or not value:
        return False  # a destination array, like [page /Fit], only shows a page
    # LaTeX (hyperref) opens every document with << /S /GoTo /D [page /Fit] >>: a destination too.
    return "/S" not in value or str(value["/S"]) != "/GoTo" or "/Next" in value


def _active_entry(node: DictionaryObject) -> bool:
    """Whether a dictionary names active content or holds an action run on opening or events."""
    if any(key in ACTIVE_PDF_NAMES for key in node):
        return True
    uri = node.get("/URI")
    if uri is not None and not str(uri).strip().lower().startswith(SAFE_URI_PREFIXES):
        return True
    return any(_runs_action(node[key]) for key in ("/OpenAction", "/AA") if key in node)


def _has_active_content(reader: PdfReader) -> bool:
    """Walk every object reachable from the catalogue, each once, looking for active content."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject | None] = [reader.trailer.raw_get("/Root")]
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            if len(seen) > MAX_PDF_OBJECTS:
                raise Refused("pdf_complex")
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
    from pypdf import PdfWriter

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
            raise Refused("pdf_active")
        return _rewrite(reader)
    except Refused:
        raise
    except Exception:
        # pypdf reports broken files with many exception types (PdfReadError, ValueError,
        # KeyError, RecursionError...): all mean "not a usable PDF".
        raise Refused("damaged_pdf") from None


def _count_jpeg_scans(data: bytes) -> int:
    # Inside entropy-coded data every 0xFF byte is followed by 0x00, so FF DA is always a marker.
    return data.count(b"\xff\xda")


def clean_bytes(data: bytes) -> tuple[str, bytes]:
    """The media type and the rebuilt content of one file, or Refused."""
    if len(data) > MAX_BYTES:
        raise Refused("too_big")
    if not data:
        raise Refused("empty")
    media_type = sniff(data)
    if media_type is None:
        raise Refused("not_accepted")
    if media_type == "application/pdf":
        rebuilt = _rebuild_pdf(data)
    else:
        if media_type == "image/jpeg" and _count_jpeg_scans(data) > MAX_JPEG_SCANS:
            raise Refused("damaged_image")
        rebuilt = _reencode(data, media_type)
    if len(rebuilt) > MAX_OUTPUT_BYTES:
        raise Refused("too_big_rebuilt")
    return media_type, rebuilt


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError
    return data


def main() -> None:
    """Read files from standard input, write each one's outcome to standard output.

    In: count (4 bytes), then per file its length (4 bytes) and bytes. Out, per file: ``K``,
    the media type's length (1 byte) and name, the length (4 bytes) and bytes; or ``E``, the
    key's length (1 byte) and key. Big-endian lengths.
    """
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    (count,) = struct.unpack(">I", _read_exactly(source, 4))
    files = [_read_exactly(source, struct.unpack(">I", _read_exactly(source, 4))[0])
             for _ in range(min(count, 5))]
    for data in files:
        try:
            media_type, rebuilt = clean_bytes(data)
        except Refused as refused:
            key = refused.key.encode()
            sink.write(b"E" + bytes([len(key)]) + key)
        except MemoryError:
            sink.write(b"E" + bytes([len(b"too_much_work")]) + b"too_much_work")
        else:
            name = media_type.encode()
            sink.write(b"K" + bytes([len(name)]) + name + struct.pack(">I", len(rebuilt)) + rebuilt)
        sink.flush()


if __name__ == "__main__":
    main()
