"""Encryption at rest of contact details, account numbers and second-factor secrets (Fernet).

``PORTAL_DATA_KEY`` holds one or more Fernet keys separated by commas; the first encrypts, all
decrypt. Rotation: put a new key first, run ``flask --app portal complaints rotate-key``, then
drop the old key.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


def _fernet() -> MultiFernet:
    keys = [key.strip() for key in str(current_app.config["DATA_KEY"]).split(",") if key.strip()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(value: str | None) -> str | None:
    """Encrypt text; None and empty text stay None."""
    if value is None or not value.strip():
        return None
    return _fernet().encrypt(value.strip().encode()).decode()


def decrypt(token: str | None) -> str | None:
    """Decrypt text encrypted by ``encrypt``; raises InvalidToken if no key fits."""
    if token is None:
        return None
    return _fernet().decrypt(token.encode()).decode()


def rotate(token: str | None) -> str | None:
    """Re-encrypt a token with the first (newest) key."""
    if token is None:
        return None
    return _fernet().rotate(token.encode()).decode()


def new_key() -> str:
    """A fresh Fernet key."""
    return Fernet.generate_key().decode()


__all__ = ["InvalidToken", "decrypt", "encrypt", "new_key", "rotate"]
