"""Safety numbers: libsignal's numeric fingerprint (version 0, 5200 iterations of SHA-512).

Each side's half is 30 digits made from ``SHA-512`` iterated over its encoded identity key and
stable identifier (here, its peer name); the safety number is the two halves, the smaller
first, so both sides see the same 60 digits (shown as 12 groups of 5).
"""

from __future__ import annotations

import hashlib

from notifybot.crypto.keys import encode_public

ITERATIONS = 5200
_VERSION = b"\x00\x00"


def _half(stable_id: str, identity_key: bytes) -> str:
    key = encode_public(identity_key)
    digest = _VERSION + key + stable_id.encode()
    for _ in range(ITERATIONS):
        digest = hashlib.sha512(digest + key).digest()
    chunks = (int.from_bytes(digest[i : i + 5], "big") % 100_000 for i in range(0, 30, 5))
    return "".join(f"{c:05d}" for c in chunks)


def safety_number(local_id: str, local_key: bytes, remote_id: str, remote_key: bytes) -> str:
    """The 60-digit safety number of a conversation (the same from both sides)."""
    local, remote = _half(local_id, local_key), _half(remote_id, remote_key)
    return local + remote if local <= remote else remote + local
