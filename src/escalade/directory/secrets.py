"""The directories' bind passwords, encrypted at rest (ADR 0020).

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with the key ``ESCALADE_DIRECTORY_KEY`` when it
is set, else a key derived from Django's ``SECRET_KEY`` (HKDF-SHA256, its own context string): a copy of
the database alone does not give the passwords. Rotating ``ESCALADE_DIRECTORY_KEY`` keeps the old key
readable when it is given second (``new,old``): :class:`~cryptography.fernet.MultiFernet`.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

CONTEXT = b"escalade.directory.bind-password"


def _derived_key(secret: str) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=CONTEXT).derive(secret.encode())
    return base64.urlsafe_b64encode(key)


def _cipher() -> MultiFernet:
    configured = getattr(settings, "ESCALADE_DIRECTORY_KEY", None)
    keys = [key.strip().encode() for key in configured.split(",")] if configured else []
    keys.append(_derived_key(str(settings.SECRET_KEY)))
    return MultiFernet([Fernet(key) for key in keys])


def secret_encrypt(plain: str) -> str:
    """The encrypted form stored in ``Directory.bind_password_encrypted`` (empty stays empty)."""
    return _cipher().encrypt(plain.encode()).decode() if plain else ""


def secret_decrypt(token: str) -> str:
    """The bind password; empty if none is stored or the key that encrypted it is gone."""
    if not token:
        return ""
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""
