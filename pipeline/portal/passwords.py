"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendations).

argon2 is slow and memory-hard on purpose (64 MiB, tens of milliseconds a hash). Hashes run on
a small pool of their own, so that fifty logins at once take at most that many cores and that
much memory, while every other request goes on on the request threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so that a wrong name costs as much time as a
# wrong password and response times do not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("rekon-dummy-password-never-used")

MIN_LENGTH = 12


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"the password must have at least {MIN_LENGTH} characters")


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def set_hashing_threads(count: int) -> None:
    """How many hashes this process computes at a time (the portal's `hash_threads` setting)."""
    global _pool
    with _pool_lock:
        old, _pool = _pool, ThreadPoolExecutor(max(1, count), thread_name_prefix="argon2")
    if old is not None:
        old.shutdown(wait=False)


def _hashing() -> ThreadPoolExecutor:
    if _pool is None:
        set_hashing_threads(1)
    assert _pool is not None
    return _pool


def hash_password(password: str) -> str:
    check_strength(password)
    return _hashing().submit(_hasher.hash, password).result()


def verify_password(password_hash: str | None, password: str) -> bool:
    return _hashing().submit(_verify, password_hash, password).result()


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
