"""Cheaper argon2 for the tests. A sign-in checks its password with argon2id; at the production
parameters (64 MiB, 3 passes, 4 lanes) that is about 0.2 s of CPU, and the suite signs in
thousands of times. The tests' process hashes with argon2id at 1 MiB and one pass instead
(the demo accounts of the database templates included: tests/support/databases.py digests this
file), so every verify, refusal and throttle path runs unchanged, only cheaper. The
production parameters are checked by tests/auth/test_passwords.py (`production_hashing`).
Processes the tests start (CLI, workers) keep the production parameters for what they hash;
verifying is as cheap as the hash being verified."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from service.auth import passwords

PRODUCTION = passwords._hasher
CHEAP = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))


def use(hasher: PasswordHash) -> None:
    """Hash (and verify unknown names, service.auth.passwords._DUMMY) with `hasher` from now on."""
    passwords._hasher = hasher
    passwords._DUMMY = None  # made again, with this hasher, at the next miss


@contextmanager
def production_hashing() -> Iterator[None]:
    before = passwords._hasher, passwords._DUMMY
    passwords._hasher = PRODUCTION
    passwords._DUMMY = None
    try:
        yield
    finally:
        passwords._hasher, passwords._DUMMY = before
