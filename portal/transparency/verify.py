"""Check the portal's public record from outside, without access to its database.

    python -m portal.transparency.verify https://portal.example.cn \\
        [--checkpoint saved.txt] [--key 'name+1234abcd+AQ...'] [--save latest.txt]

Needs Python 3.11+ and the ``cryptography`` package only: this file with ``merkle.py`` and
``note.py`` beside it also runs as ``python verify.py URL ...``. It downloads every entry,
rebuilds the Merkle tree, checks the latest checkpoint's signature against the pinned verifier
key (``--key``; without it the site's own key is used, and a warning says so) and the tree
head, and, given a checkpoint saved earlier (``--checkpoint``), checks that today's record
still holds exactly what that checkpoint covered (a consistency proof, and the entries
themselves). Exit status 0 with a one-line summary, 1 naming the first mismatch.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

if __package__:
    from portal.transparency import merkle, note
else:  # run as a file, next to merkle.py and note.py
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import merkle  # type: ignore[no-redef]
    import note  # type: ignore[no-redef]

PAGE = 1000
Fetch = Callable[[str], bytes]


class VerificationError(Exception):
    """What does not match, in words."""


def http_fetch(base_url: str) -> Fetch:
    """GET paths of the portal at ``base_url``."""
    def fetch(path: str) -> bytes:
        with urllib.request.urlopen(base_url.rstrip("/") + path, timeout=60) as response:  # noqa: S310
            data: bytes = response.read()
            return data
    return fetch


def _json(fetch: Fetch, path: str) -> dict:  # type: ignore[type-arg]
    try:
        value = json.loads(fetch(path))
    except (ValueError, OSError) as error:
        raise VerificationError(f"{path}: no usable answer ({error})") from None
    if not isinstance(value, dict):
        raise VerificationError(f"{path}: not a JSON object")
    return value


def _prefix(entry: dict) -> bytes:  # type: ignore[type-arg]
    head = json.dumps({"key": entry["key"], "kind": entry["kind"],
                       "published_at": entry["published_at"]},
                      ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return head[:-1].encode() + b',"record":'


def verify(fetch: Fetch, vkey: str | None, saved: str | None = None,
           warn: Callable[[str], None] = lambda _text: None) -> tuple[note.Checkpoint, str]:
    """Check the record; returns the latest checkpoint and its signed note."""
    if vkey is None:
        vkey = str(_json(fetch, "/api/v1/transparency/key")["vkey"])
        warn("no --key given: trusting the key the site itself shows (" + vkey + ")")
    verifier = note.parse_vkey(vkey)
    signed = fetch("/transparency/checkpoint").decode("utf-8")
    try:
        latest = note.parse_checkpoint(note.open_note(signed, [verifier]).text)
    except note.NoteError as error:
        raise VerificationError(f"the latest checkpoint: {error}") from None
    leaves = download_leaves(fetch, latest.size)
    if merkle.root_from_leaves(leaves) != latest.root:
        raise VerificationError(f"the {latest.size} entries do not give the root hash of the "
                                "signed checkpoint (an entry was changed, removed or reordered)")
    if saved is not None:
        _check_saved(fetch, verifier, latest, leaves, saved)
    return latest, signed


def download_leaves(fetch: Fetch, size: int) -> list[bytes]:
    """The leaf hashes of entries 0 to ``size`` - 1, each recomputed from its content."""
    leaves: list[bytes] = []
    while len(leaves) < size:
        start, end = len(leaves), min(size, len(leaves) + PAGE)
        page = _json(fetch, f"/api/v1/transparency/entries?start={start}&end={end}")
        entries = page.get("entries") or []
        if not entries:
            raise VerificationError(f"the checkpoint covers {size} entries but the site gives "
                                    f"only {start} (entries were removed)")
        for entry in entries:
            index = len(leaves)
            if entry.get("index") != index:
                raise VerificationError(f"entry {index} is missing or out of order")
            content = str(entry["content"]).encode("utf-8")
            leaf = merkle.leaf_hash(content)
            if base64.b64decode(entry["leaf_hash"]) != leaf:
                raise VerificationError(f"entry {index}: its content does not give its leaf hash")
            if not content.startswith(_prefix(entry)):
                raise VerificationError(f"entry {index}: kind, key or date differ from its "
                                        "content")
            leaves.append(leaf)
    return leaves[:size]


def _check_saved(fetch: Fetch, verifier: note.Verifier, latest: note.Checkpoint,
                 leaves: list[bytes], saved: str) -> None:
    try:
        old = note.parse_checkpoint(note.open_note(saved, [verifier]).text)
    except note.NoteError as error:
        raise VerificationError(f"the saved checkpoint: {error}") from None
    if old.origin != latest.origin:
        raise VerificationError(f"the saved checkpoint is of another log ({old.origin})")
    if old.size > latest.size:
        raise VerificationError(f"the saved checkpoint covers {old.size} entries, the site's "
                                f"latest only {latest.size}: the record was cut short")
    proof = _json(fetch, f"/api/v1/transparency/proof/consistency?first={old.size}"
                         f"&second={latest.size}")
    try:
        merkle.verify_consistency(old.size, latest.size, old.root, latest.root,
                                  [base64.b64decode(h) for h in proof.get("hashes", [])])
    except (merkle.ProofError, ValueError) as error:
        raise VerificationError(f"the record no longer extends the saved checkpoint of "
                                f"{old.size} entries: history was rewritten ({error})") from None
    if merkle.root_from_leaves(leaves[:old.size]) != old.root:
        raise VerificationError(f"the first {old.size} entries today differ from those the "
                                "saved checkpoint covered: history was rewritten")


def main(argv: list[str] | None = None) -> int:
    """Command line: exit 0 with a summary, 1 with the first mismatch."""
    parser = argparse.ArgumentParser(description="Check the portal's public record.")
    parser.add_argument("url", help="the portal's address, e.g. https://portal.example.cn")
    parser.add_argument("--checkpoint", type=Path, help="a checkpoint you saved earlier")
    parser.add_argument("--key", help="the verifier key, name+id+key (pin it!)")
    parser.add_argument("--save", type=Path, help="save the latest checkpoint to this file")
    args = parser.parse_args(argv)
    saved = args.checkpoint.read_text(encoding="utf-8") if args.checkpoint else None
    try:
        latest, signed = verify(http_fetch(args.url), args.key, saved,
                                lambda text: print("WARNING:", text, file=sys.stderr))
    except (VerificationError, note.NoteError) as error:
        print(f"MISMATCH: {error}")
        return 1
    if args.save:
        args.save.write_text(signed, encoding="utf-8")
    extra = " and extends the saved checkpoint" if saved else ""
    print(f"OK: {latest.size} entries match the checkpoint signed by the portal{extra}; root "
          f"{base64.b64encode(latest.root).decode()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
