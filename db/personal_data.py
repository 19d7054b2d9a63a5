"""Personal data at rest: NIK and the like are stored encrypted (Fernet: AES-128-CBC + HMAC-SHA256),
with a keyed hash beside them so duplicates can be found without decrypting anything."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["PersonalDataCipher"]


class PersonalDataCipher:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self._index_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"jaring blind index v1").derive(
            key
        )

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode("ascii")

    def decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode("ascii")).decode()

    def encrypt_bytes(self, value: bytes) -> bytes:
        """For files that may hold personal data (an enrolment export with full NIKs)."""
        return self._fernet.encrypt(value)

    def decrypt_bytes(self, token: bytes) -> bytes:
        return self._fernet.decrypt(token)

    def blind_index(self, value: str) -> str:
        """Same input, same output, for this key only: for unique constraints and look-ups."""
        return hmac.new(self._index_key, value.encode(), hashlib.sha256).hexdigest()
