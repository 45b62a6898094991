"""Which build of the portal is running: a digest of its code, templates and catalogues.

Whatever is kept between requests or processes and derived from them (whole pages, compiled
templates) is kept under this digest, so that a deployment never serves what the previous build
made (in debug mode, where templates change under a running process, pages are not kept).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
ROOTS = (ROOT / "portal", ROOT / "templates", ROOT / "translations")
SUFFIXES = (".py", ".html", ".mo", ".txt", ".xml", ".json")


@functools.cache
def digest() -> str:
    """Twelve hex digits of the files' paths (from the project's root) and contents: the same
    for the same code on every host. Read once per process."""
    found = hashlib.sha256()
    for root in ROOTS:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix in SUFFIXES and path.is_file():
                found.update(f"{path.relative_to(ROOT)}\0".encode())
                found.update(hashlib.sha256(path.read_bytes()).digest())
    return found.hexdigest()[:12]
