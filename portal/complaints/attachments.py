"""Attachments: recognised by their content, rebuilt so that no metadata or active content survives.

The work itself is in ``decoding`` (photos re-encoded from their pixels, PDFs checked and
rewritten page by page). For uploads it runs in a separate process with a CPU-time and memory
limit (``clean_files``): a crafted file that would take minutes or gigabytes to decode costs
that process, not the worker serving everyone else. A file's name is never stored: names can
carry personal data, so files are called ``attachment-1.jpg`` and so on. While the complaint is
not sent, the name the resident gave is shown back to them only (``given_name``; it stays in
their own session cookie, see ``web.remember_file_names``).
"""

from __future__ import annotations

import hashlib
import struct
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

from portal.complaints import decoding
from portal.core.errors import DomainError

MAX_FILES = 5
MAX_BYTES = decoding.MAX_BYTES
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
ACCEPT = ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf"
# Wall-clock limit of the decoding process; its CPU limit is decoding.CPU_SECONDS.
TIMEOUT_SECONDS = decoding.CPU_SECONDS + 5
WORKER = [sys.executable, "-I", str(Path(decoding.__file__).resolve())]

MESSAGES = {
    "too_big": _l("Each file may be at most 10 MB."),
    "empty": _l("This file is empty."),
    "not_accepted": _l("Only JPEG and PNG photos and PDF documents can be attached."),
    "too_many_pixels": _l("This image is too large (more than 24 megapixels)."),
    "damaged_image": _l("This image is damaged or not really a JPEG or PNG."),
    "pdf_password": _l("This PDF is protected by a password. Please send a copy without a "
                       "password."),
    "pdf_pages": _l("This PDF has more than 200 pages. Please send only the pages that matter "
                    "for your complaint."),
    "pdf_complex": _l("This PDF is too complex to be checked. Please send fewer pages or a "
                      "simpler copy."),
    "pdf_active": _l('This PDF contains scripts, embedded files or other active content, which '
                     'cannot be accepted. Please save it again as a plain PDF (for example with '
                     '"Print to PDF") and send that.'),
    "damaged_pdf": _l("This PDF is damaged or incomplete."),
    "too_big_rebuilt": _l("This file would take too much space once cleaned. Please send a "
                          "smaller photo or document."),
    "too_much_work": _l("This file takes too much work to check. Please send a smaller or "
                        "simpler copy."),
}


# Shown in full up to this many characters; longer names lose their middle.
NAME_LENGTH = 40
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})


def given_name(raw: str | None) -> str | None:
    """The name a resident gave a file, fit to show back to them: without its folders, control
    and invisible formatting characters (a right-to-left override can disguise ``gpj.exe`` as
    ``exe.jpg``) and shortened in the middle when long; None when nothing is left."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if char.isspace() else char for char in name
                   if unicodedata.category(char) not in {"Cc", "Cf", "Cs", "Co", "Cn"}
                   or char.isspace())
    name = " ".join(name.split())
    if len(name) > NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        tail = f"{dot}{extension}" if stem and len(extension) <= 8 else ""
        keep = NAME_LENGTH - 1 - len(tail)
        head = (name[:-len(tail)] if tail else name)
        name = f"{head[:keep - keep // 3]}…{head[-(keep // 3):]}{tail}"
    return name or None


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
    return decoding.sniff(data)


def clean(data: bytes) -> CleanFile:
    """Check one file by its content and strip what it says about its author (in this
    process: for files the portal itself trusts, and for tests)."""
    try:
        media_type, rebuilt = decoding.clean_bytes(data)
    except decoding.Refused as refused:
        raise AttachmentError(MESSAGES[refused.key]) from None
    return CleanFile(media_type, rebuilt)


def _request(files: list[bytes]) -> bytes:
    return struct.pack(">I", len(files)) + b"".join(
        struct.pack(">I", len(data)) + data for data in files)


def _outcomes(output: bytes, count: int) -> list[CleanFile | AttachmentError]:
    """Read the decoding process's answers; a missing one means it ran out of time or memory."""
    outcomes: list[CleanFile | AttachmentError] = []
    position = 0
    for _ in range(count):
        if position >= len(output):
            outcomes.append(AttachmentError(MESSAGES["too_much_work"]))
            continue
        kind, size = output[position:position + 1], output[position + 1]
        text = output[position + 2:position + 2 + size].decode()
        position += 2 + size
        if kind == b"E":
            outcomes.append(AttachmentError(MESSAGES.get(text, MESSAGES["too_much_work"])))
            continue
        (length,) = struct.unpack(">I", output[position:position + 4])
        outcomes.append(CleanFile(text, output[position + 4:position + 4 + length]))
        position += 4 + length
    return outcomes


def clean_files(files: list[bytes]) -> list[CleanFile | AttachmentError]:
    """Check and rebuild uploaded files in a separate, limited process; one outcome per file."""
    try:
        finished = subprocess.run(WORKER, input=_request(files), capture_output=True,  # noqa: S603
                                  timeout=TIMEOUT_SECONDS, check=False)
        output = finished.stdout
    except subprocess.TimeoutExpired as expired:
        output = expired.stdout or b""
    return _outcomes(output, len(files))
