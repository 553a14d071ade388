"""The "sofia" password hash DVRIP logins carry."""

from __future__ import annotations

import hashlib
import string
from typing import Final

_ALPHABET: Final = string.digits + string.ascii_uppercase + string.ascii_lowercase


def sofia_hash(password: str) -> str:
    """Hash a password the way DVRIP devices expect: 8 characters from MD5.

    The result is password-equivalent: treat it as a secret.
    """
    digest = hashlib.md5(password.encode(), usedforsecurity=False).digest()
    return "".join(
        _ALPHABET[(digest[2 * i] + digest[2 * i + 1]) % len(_ALPHABET)] for i in range(8)
    )
