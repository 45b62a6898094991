"""Tracking numbers and secret codes.

A secret code is 16 characters of Crockford's base 32 (digits and capitals without I, L, O and
U): 80 bits, written as four groups of four. Typed back, case, spaces and dashes are ignored
and the look-alikes O, I and L are read as 0, 1 and 1.

The code is derived from the random submission key of the filing form with a keyed hash, so a
resubmitted form finds the same complaint and shows the same code; the database keeps only a
keyed hash of the code (HMAC-SHA-256 with the pepper) and a SHA-256 of the submission key.

Why not a slow hash: an 80-bit random code cannot be found by trying, even by someone holding
the stored hashes, as long as the pepper (which is not in the database) stays secret; a slow
hash would only make filing and tracking slow and its dummy work on unknown numbers would tell
them apart by timing. Hashes of earlier versions (``scrypt$...``) are still accepted and
replaced by the keyed hash when their code is next verified.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

from portal.core import numbering

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS, GROUP_SIZE = 4, 4
CODE_LENGTH = GROUPS * GROUP_SIZE
LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
SCRYPT_R, SCRYPT_P = 8, 1
HMAC_SCHEME = "hmac-sha256"
# Checked against when a tracking number is unknown, so that both cases do the same work.
UNKNOWN_HASH = f"{HMAC_SCHEME}${'0' * 64}"


def tracking_number(year: int, sequence: int) -> str:
    """``TS-2026-000123``."""
    return numbering.formatted("TS", year, sequence, width=6)


def normalize_tracking_number(text: str) -> str:
    """Upper case without spaces; ``ts 2026 123`` -> ``TS-2026-000123`` where possible."""
    compact = re.sub(r"[\s_]+", "", unicodedata.normalize("NFKC", text or "")).upper()
    compact = re.sub(r"[\u2010-\u2015\u2212\u30fc]", "-", compact)
    match = re.fullmatch(r"TS-?(\d{4})-?(\d{1,9})", compact)
    return tracking_number(int(match.group(1)), int(match.group(2))) if match else compact


PUBLIC_ID_LENGTH = 8


def new_public_id() -> str:
    """A published case's public identifier: 8 random characters of the code alphabet (40
    bits), unrelated to its tracking number, so that it can be cited but never used to track."""
    return "".join(secrets.choice(ALPHABET) for _ in range(PUBLIC_ID_LENGTH))


def normalize_public_id(text: str) -> str | None:
    """A public identifier as typed (any case, look-alikes, dashes), or None if it cannot be."""
    typed = unicodedata.normalize("NFKC", text or "")
    compact = re.sub(r"[\s\-_.\u2010-\u2015\u2212\u30fc]+", "", typed).upper().translate(LOOKALIKES)
    if len(compact) != PUBLIC_ID_LENGTH or any(char not in ALPHABET for char in compact):
        return None
    return compact


def _encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    for _ in range(CODE_LENGTH):
        chars.append(ALPHABET[number & 31])
        number >>= 5
    return "".join(reversed(chars))


def new_submission_key() -> str:
    """A random key for one filing form (128 bits)."""
    return secrets.token_urlsafe(16)


def code_for(submission_key: str, pepper: str) -> str:
    """The secret code belonging to a submission (16 characters, no separators)."""
    digest = hmac.new(pepper.encode(), b"code:" + submission_key.encode(), hashlib.sha256)
    return _encode(digest.digest()[:10])


def key_digest(submission_key: str) -> str:
    """What the database keeps of a submission key, to recognise a resubmitted form."""
    return hashlib.sha256(submission_key.encode()).hexdigest()


def format_code(code: str) -> str:
    """``ABCD-EFGH-JKMN-PQRS``."""
    return "-".join(code[i:i + GROUP_SIZE] for i in range(0, len(code), GROUP_SIZE))


def normalize_code(text: str) -> str:
    """What a person typed, as the 16 characters it stands for."""
    # NFKC first: a Chinese input method in full-width mode types ＡＢ１２－….
    typed = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"[\s\-_.\u2010-\u2015\u2212\u30fc]+", "", typed).upper().translate(LOOKALIKES)


def hash_code(code: str, pepper: str) -> str:
    """The keyed hash kept in the database: ``hmac-sha256$hex``."""
    digest = hmac.new(pepper.encode(), b"verify:" + code.encode(), hashlib.sha256)
    return f"{HMAC_SCHEME}${digest.hexdigest()}"


def needs_rehash(stored: str) -> bool:
    """Whether a stored hash is of an earlier kind (scrypt) and should be replaced."""
    return not stored.startswith(f"{HMAC_SCHEME}$")


def _legacy_scrypt(code: str, stored: str, pepper: str) -> bool:
    try:
        _scheme, cost, salt, expected = stored.split("$")
        digest = hashlib.scrypt((pepper + code).encode(), salt=bytes.fromhex(salt), n=int(cost),
                                r=SCRYPT_R, p=SCRYPT_P, maxmem=256 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), expected)


def verify_code(code: str, stored: str, pepper: str) -> bool:
    """Whether ``code`` matches a stored hash (compared in constant time)."""
    if stored.startswith("scrypt$"):
        return _legacy_scrypt(code, stored, pepper)
    return hmac.compare_digest(hash_code(code, pepper), stored)
