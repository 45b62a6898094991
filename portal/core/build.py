"""Which build of the portal is running: a digest of its code, templates and catalogues.

Whatever is kept between requests or processes and derived from them (whole pages, compiled
templates) is kept under this digest, so that a deployment, or a template edited in
development, never serves what the previous build made.
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
    """Twelve hex digits, read once per process (from each file's path, time and size)."""
    found = hashlib.sha256()
    for root in ROOTS:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix in SUFFIXES:
                stat = path.stat()
                found.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size};".encode())
    return found.hexdigest()[:12]
