"""Password hashes for the web console's local accounts, and the PINs of the service line (people's,
``phones pin``) and of the known customers (``callers:``, the CSV import): argon2id (argon2-cffi),
parameters from its RFC 9106 low-memory profile, re-hashed when they change."""

from __future__ import annotations

import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
HASHER = PasswordHasher()
# A hash to verify against when the login is unknown: the answer takes as long either way.
_DUMMY = HASHER.hash("not a password of anyone")


def checked(password: str) -> str:
    """A new password: long enough, one line (ValueError otherwise)."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"too short: at least {MIN_LENGTH} characters")
    if len(password) > 256 or any(ord(c) < 32 or ord(c) == 127 for c in password):
        raise ValueError("at most 256 printable characters on one line")
    return password


def hashed(password: str) -> str:
    return HASHER.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored`` (None: an account without password never matches)."""
    try:
        return HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def is_hash(stored: str) -> bool:
    """Whether ``stored`` is one of our hashes (else a plain PIN: a ``callers:`` entry of the YAML)."""
    return stored.startswith("$argon2")


def verify_pin(stored: str, typed: str) -> bool:
    """A customer PIN: ``stored`` is a hash (the database's, or the YAML's), or the YAML's plain digits
    (compared in constant time; the configuration file is kept readable by its administrators only)."""
    if is_hash(stored):
        return verify(stored, typed)
    return hmac.compare_digest(stored.encode(), typed.encode())


def needs_rehash(stored: str) -> bool:
    return HASHER.check_needs_rehash(stored)
