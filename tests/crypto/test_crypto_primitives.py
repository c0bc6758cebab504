from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from notifybot.crypto.errors import InvalidKey
from notifybot.crypto.keys import KeyPair, decode_public, encode_public, verify

# The RFC 7748 vectors live in the project's shared folder, beside the repository.
_VECTORS = Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors" / "x25519-rfc7748.json"
if not _VECTORS.exists():
    pytest.skip(
        "the shared RFC 7748 vectors are not beside the repository", allow_module_level=True
    )
VECTORS = json.loads(_VECTORS.read_text())


def test_rfc7748_diffie_hellman() -> None:
    dh = VECTORS["dh"]
    alice = KeyPair.from_private(bytes.fromhex(dh["alice_priv"]))
    bob = KeyPair.from_private(bytes.fromhex(dh["bob_priv"]))
    assert alice.public.hex() == dh["alice_pub"]
    assert bob.public.hex() == dh["bob_pub"]
    assert alice.agree(bob.public).hex() == dh["shared"] == bob.agree(alice.public).hex()


def test_rfc7748_scalar_mult() -> None:
    for v in VECTORS["scalarmult"]:
        pair = KeyPair.from_private(bytes.fromhex(v["scalar"]))
        assert pair.agree(bytes.fromhex(v["u"])).hex() == v["out"]


def test_rfc7748_iterated() -> None:
    # KeyPair.agree clamps the scalar as X25519 does; iterate it (k, u) <- (X25519(k, u), k).
    k = u = bytes.fromhex(VECTORS["iterated"]["start_k_and_u"])
    for n in range(1, 1001):
        k, u = KeyPair.from_private(k).agree(u), k
        if n == 1:
            assert k.hex() == VECTORS["iterated"]["after_1"]
    assert k.hex() == VECTORS["iterated"]["after_1000"]


def test_generated_keys_agree_with_cryptography() -> None:
    pair = KeyPair.generate()
    other = X25519PrivateKey.generate()
    other_pub = other.public_key().public_bytes_raw()
    assert pair.agree(other_pub) == other.exchange(X25519PublicKey.from_public_bytes(pair.public))
    assert pair.private[0] & 7 == 0 and pair.private[31] & 0xC0 == 0x40  # clamped, as libsignal


def test_low_order_point_is_refused() -> None:
    with pytest.raises(InvalidKey):
        KeyPair.generate().agree(bytes(32))
    with pytest.raises(InvalidKey):
        KeyPair.generate().agree(b"short")


def test_signatures() -> None:
    pair = KeyPair.generate()
    msg = encode_public(KeyPair.generate().public)
    sig = pair.sign(msg)
    assert len(sig) == 64 and sig[63] & 0x80 == 0
    assert verify(pair.public, msg, sig)
    assert not verify(pair.public, msg + b"x", sig)
    assert not verify(KeyPair.generate().public, msg, sig)
    for i in (0, 31, 32, 63):
        forged = bytearray(sig)
        forged[i] ^= 0x80 if i == 63 else 0x01
        assert not verify(pair.public, msg, bytes(forged))
    assert not verify(pair.public, msg, sig[:63])
    assert not verify(pair.public[:31], msg, sig)


def test_public_key_encoding() -> None:
    pub = KeyPair.generate().public
    assert pub[31] & 0x80 == 0
    for other_spelling in (
        pub[:31] + bytes((pub[31] | 0x80,)),
        (2**255 - 19).to_bytes(32, "little"),
    ):
        with pytest.raises(InvalidKey):  # the same point to X25519, but not canonical
            decode_public(b"\x05" + other_spelling)
    assert encode_public(pub)[0] == 5 and decode_public(encode_public(pub)) == pub
    for bad in (pub, b"\x06" + pub, b"\x05" + pub[:31], b""):
        with pytest.raises(InvalidKey):
            decode_public(bad)


def test_private_key_never_in_repr() -> None:
    pair = KeyPair.generate()
    text = repr(pair) + str(pair)
    assert pair.private.hex() not in text and pair.private.hex()[:16] not in text
    assert "redacted" in text
    assert KeyPair.from_private(pair.private) == pair
