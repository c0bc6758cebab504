"""Speed of the Signal session code on one core (300-byte payloads).

    python bench/bench_crypto.py [--seconds 2]

Prints messages/s for: the AES-256-CBC + HMAC-SHA256 floor (the same two primitives, nothing
else), encrypting on an established session (the ratchet alone, then through SignalParty with
the session persisted to a MemoryStore, sealed under the key-encryption key), decrypting,
and X3DH session set-ups (signature check and 3-4 X25519 each side).
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import os
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from notifybot.crypto import SignalParty
from notifybot.crypto.keys import KeyPair, encode_public
from notifybot.crypto.prekeys import OneTimePreKey, PreKeyBundle, SignedPreKey
from notifybot.crypto.ratchet import SessionState, initiate, respond
from notifybot.crypto.wire import PreKeySignalMessage, SignalMessage
from notifybot.envelope import EnvelopeType
from notifybot.store import MemoryStore

PAYLOAD = os.urandom(300)
KEK = os.urandom(32)


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds``."""
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(100):
            fn()
        n += 100
    return n / elapsed


def floor() -> None:
    key, mac_key, iv = os.urandom(32), os.urandom(32), os.urandom(16)
    padded = PAYLOAD + bytes((4,)) * 4
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    body = enc.update(padded) + enc.finalize()
    hmac.digest(mac_key, body, "sha256")


def sessions() -> tuple[SessionState, SessionState]:
    alice_id, bob_id, signed, otk = (KeyPair.generate() for _ in range(4))
    spk = SignedPreKey(1, signed.public, bob_id.sign(encode_public(signed.public)))
    bundle = PreKeyBundle(bob_id.public, 2, 1, spk, OneTimePreKey(1, otk.public))
    alice = initiate(alice_id, 1, bundle)
    first = PreKeySignalMessage.parse(alice.encrypt(b"hi")[1])
    bob = respond(bob_id, 2, signed, otk, first)
    bob.decrypt(first.message)
    alice.decrypt(SignalMessage.parse(bob.encrypt(b"hello")[1]))  # established both ways
    return alice, bob


def setup() -> None:
    sessions()


async def persisted(seconds: float) -> tuple[float, float]:
    alice, bob = SignalParty(MemoryStore(), KEK), SignalParty(MemoryStore(), KEK)
    keys = await bob.device_keys(1)
    await alice.process_bundle("bob", 1, keys.bundle(1, keys.one_time_prekeys[0]))
    await bob.decrypt("alice", 1, *await alice.encrypt("bob", 1, b"hi"))
    await alice.decrypt("bob", 1, *await bob.encrypt("alice", 1, b"hello"))
    messages: list[tuple[EnvelopeType, bytes]] = []
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(100):
            messages.append(await alice.encrypt("bob", 1, PAYLOAD))
        n += 100
    encrypt = n / elapsed
    start = time.perf_counter()
    for kind, data in messages:
        await bob.decrypt("alice", 1, kind, data)
    return encrypt, len(messages) / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    seconds = parser.parse_args(argv).seconds

    base = rate(floor, seconds)
    alice, bob = sessions()
    enc = rate(lambda: alice.encrypt(PAYLOAD), seconds)
    alice, bob = sessions()  # a fresh pair: the messages above were never delivered
    pending = [SignalMessage.parse(alice.encrypt(PAYLOAD)[1]) for _ in range(int(enc * seconds))]
    start = time.perf_counter()
    for message in pending:
        bob.decrypt(message)
    dec = len(pending) / (time.perf_counter() - start)
    enc_p, dec_p = asyncio.run(persisted(seconds))
    setups = rate(setup, seconds / 4)

    rows = [
        ("AES-256-CBC + HMAC floor", base),
        ("encrypt, ratchet only", enc),
        ("decrypt, ratchet only", dec),
        ("encrypt, SignalParty + MemoryStore (sealed)", enc_p),
        ("decrypt, SignalParty + MemoryStore (sealed)", dec_p),
        ("session set-ups (both sides)", setups),
    ]
    print(f"{len(PAYLOAD)}-byte payload, one core, {seconds:g} s per figure")
    for name, value in rows:
        print(f"  {name:<46} {value:>10,.0f} /s   {value / base:6.1%} of the floor")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
