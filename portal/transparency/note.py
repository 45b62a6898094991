"""Signed notes and checkpoints as Go's checksum database and the C2SP specifications write
them (``signed-note``, ``tlog-checkpoint``), with Ed25519 keys.

Standard library and ``cryptography`` only: the standalone verifier imports this module.

A checkpoint is the note text ``<origin>\\n<tree size>\\n<base64 root hash>\\n``; the signed
note appends a blank line and one line per signature, ``— <key name> <base64(key ID ||
signature)>``, where the key ID is the first 4 bytes of SHA-256(key name || 0x0A || 0x01 ||
public key). The verifier key is published as ``<name>+<key ID, 8 hex digits>+<base64(0x01
|| public key)>``; Go's signer key format ``PRIVATE+KEY+<name>+<key ID>+<base64(0x01 ||
seed)>`` is accepted as a signing key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space
MAX_SIGNATURES = 100
# Go: a key name is non-empty, without "+" and without Unicode white space.
NAME = re.compile(r"^[^+\s]+$")


class NoteError(ValueError):
    """A malformed note, key or checkpoint, or a signature that does not verify."""


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError("not base64") from None


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte key ID of an Ed25519 key."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


def public_bytes(key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of a public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def vkey(self) -> str:
        """The key in Go's note verifier format."""
        return (f"{self.name}+{self.key_id.hex()}+"
                f"{base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()}")

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True


def parse_vkey(vkey: str) -> Verifier:
    """A verifier from Go's ``<name>+<hex key ID>+<base64 key>``."""
    parts = vkey.strip().split("+", 2)  # base64 may hold "+"
    if len(parts) != 3 or not NAME.match(parts[0]) or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
        raise NoteError("a verifier key reads <name>+<8 hex digits>+<base64 key>")
    raw = _b64decode(parts[2])
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise NoteError("the verifier key is not an Ed25519 key")
    verifier = Verifier(parts[0], raw[1:])
    if verifier.key_id.hex() != parts[1]:
        raise NoteError("the verifier key's ID does not match its name and key")
    return verifier


@dataclass(frozen=True)
class Signer:
    """A named Ed25519 private key."""

    name: str
    private_key: Ed25519PrivateKey

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, public_bytes(self.private_key.public_key()))

    def sign(self, text: str) -> str:
        """The signed note of ``text`` (which ends with a newline)."""
        check_text(text)
        signature = self.private_key.sign(text.encode("utf-8"))
        line = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {line}\n"


def signer_from_seed(name: str, seed: bytes) -> Signer:
    """A signer from a 32-byte Ed25519 seed."""
    if not NAME.match(name):
        raise NoteError("a key name must not be empty nor hold '+' or white space")
    if len(seed) != 32:
        raise NoteError("an Ed25519 seed is 32 bytes long")
    return Signer(name, Ed25519PrivateKey.from_private_bytes(seed))


def parse_signing_key(value: str, name: str) -> Signer:
    """A signer from Go's ``PRIVATE+KEY+<name>+<key ID>+<base64(0x01 || seed)>`` (its own name
    wins), or from the standard base64 of a 32-byte seed (named ``name``)."""
    value = value.strip()
    if value.startswith("PRIVATE+KEY+"):
        parts = value.split("+", 4)
        if len(parts) != 5 or not re.fullmatch(r"[0-9a-f]{8}", parts[3]):
            raise NoteError("a Go signer key reads PRIVATE+KEY+<name>+<key ID>+<base64 key>")
        raw = _b64decode(parts[4])
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise NoteError("the signer key is not an Ed25519 key")
        signer = signer_from_seed(parts[2], raw[1:])
        if signer.verifier.key_id.hex() != parts[3]:
            raise NoteError("the signer key's ID does not match its name and key")
        return signer
    return signer_from_seed(name, _b64decode(value))


def check_text(text: str) -> None:
    """Go's rules for a note's text: UTF-8 lines without control characters but newlines,
    ending with a newline, no blank last line."""
    if not text.endswith("\n") or text.endswith("\n\n") or not text.strip():
        raise NoteError("a note's text ends with exactly one newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text) or "\x7f" in text:
        raise NoteError("a note's text holds control characters")


@dataclass(frozen=True)
class Note:
    """An opened note: its text and the signatures made by known keys."""

    text: str
    signed_by: tuple[str, ...]


def open_note(message: str, verifiers: list[Verifier]) -> Note:
    """Parse a signed note and check its signatures; at least one must come from
    ``verifiers``, and none from them may be wrong."""
    text, separator, signatures = message.rpartition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise NoteError("malformed note")
    text += "\n"
    check_text(text)
    lines = signatures[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("malformed note")
    known = {(v.name, v.key_id): v for v in verifiers}
    signed_by = []
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("malformed note")
        name, _, encoded = line[len(SIGNATURE_PREFIX):].partition(" ")
        if not NAME.match(name) or not encoded or " " in encoded:
            raise NoteError("malformed note")
        raw = _b64decode(encoded)
        if len(raw) < 5:
            raise NoteError("malformed note")
        verifier = known.get((name, raw[:4]))
        if verifier is None:
            continue
        if not verifier.verify(text.encode("utf-8"), raw[4:]):
            raise NoteError(f"invalid signature for key {name}+{raw[:4].hex()}")
        signed_by.append(name)
    if not signed_by:
        raise NoteError("the note has no signature by a known key")
    return Note(text, tuple(signed_by))


@dataclass(frozen=True)
class Checkpoint:
    """A tlog-checkpoint: which log, how many entries, and the tree head."""

    origin: str
    size: int
    root: bytes

    @property
    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """The checkpoint in a note's text (extension lines after the third are ignored)."""
    lines = text.split("\n")
    if len(lines) < 4 or not lines[0] or not re.fullmatch(r"0|[1-9][0-9]{0,19}", lines[1]):
        raise NoteError("a checkpoint reads <origin>, <tree size>, <base64 root hash>")
    root = _b64decode(lines[2])
    if len(root) != 32:
        raise NoteError("a checkpoint's root hash is 32 bytes long")
    return Checkpoint(lines[0], int(lines[1]), root)
