"""Interoperability with python-axolotl, a port of libsignal (test-only oracle, GPL).

Both directions: notifybot starts a session with an axolotl device, and an axolotl device
starts one with notifybot; then they talk across several ratchet steps, out of order.
"""

from __future__ import annotations

import os

os.environ["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python"  # before protobuf is imported

import pytest

axolotl = pytest.importorskip("axolotl")

from axolotl.ecc.curve import Curve  # noqa: E402
from axolotl.ecc.djbec import DjbECPublicKey  # noqa: E402
from axolotl.ecc.eckeypair import ECKeyPair  # noqa: E402
from axolotl.identitykey import IdentityKey  # noqa: E402
from axolotl.kdf.hkdfv3 import HKDFv3  # noqa: E402
from axolotl.protocol.prekeywhispermessage import PreKeyWhisperMessage  # noqa: E402
from axolotl.protocol.whispermessage import WhisperMessage  # noqa: E402
from axolotl.ratchet.chainkey import ChainKey  # noqa: E402
from axolotl.ratchet.rootkey import RootKey  # noqa: E402
from axolotl.sessionbuilder import SessionBuilder  # noqa: E402
from axolotl.sessioncipher import SessionCipher as AxolotlCipher  # noqa: E402
from axolotl.state.prekeybundle import PreKeyBundle as AxolotlBundle  # noqa: E402
from axolotl.state.prekeyrecord import PreKeyRecord  # noqa: E402
from axolotl.state.signedprekeyrecord import SignedPreKeyRecord  # noqa: E402
from axolotl.tests.inmemoryaxolotlstore import InMemoryAxolotlStore  # noqa: E402

from notifybot.crypto import (  # noqa: E402
    DuplicateMessage,
    SignalParty,
    UnknownPreKey,
    ratchet,
)
from notifybot.crypto.keys import KeyPair, encode_public, verify  # noqa: E402
from notifybot.crypto.prekeys import OneTimePreKey, PreKeyBundle, SignedPreKey  # noqa: E402
from notifybot.envelope import EnvelopeType  # noqa: E402
from notifybot.store import MemoryStore  # noqa: E402

KEK = bytes(range(32))
OURS = ("acme", 1)
THEIRS = ("axolotl", 1)


class AxolotlDevice:
    """A libsignal device, as python-axolotl implements it."""

    def __init__(self) -> None:
        self.store = InMemoryAxolotlStore()

    def bundle(self) -> PreKeyBundle:
        identity = self.store.getIdentityKeyPair()
        signed, one_time = Curve.generateKeyPair(), Curve.generateKeyPair()
        signature = Curve.calculateSignature(
            identity.getPrivateKey(), signed.getPublicKey().serialize()
        )
        self.store.storeSignedPreKey(22, SignedPreKeyRecord(22, 0, signed, signature))
        self.store.storePreKey(31337, PreKeyRecord(31337, one_time))
        return PreKeyBundle(
            identity.getPublicKey().getPublicKey().getPublicKey(),
            self.store.getLocalRegistrationId(),
            1,
            SignedPreKey(22, signed.getPublicKey().getPublicKey(), signature),
            OneTimePreKey(31337, one_time.getPublicKey().getPublicKey()),
        )

    def cipher(self) -> AxolotlCipher:
        s = self.store
        return AxolotlCipher(s, s, s, s, *OURS)

    def start(self, bundle: PreKeyBundle) -> None:
        s = self.store
        otk = bundle.one_time_prekey
        SessionBuilder(s, s, s, s, *OURS).processPreKeyBundle(
            AxolotlBundle(
                bundle.registration_id,
                bundle.device_id,
                None if otk is None else otk.key_id,
                None if otk is None else DjbECPublicKey(otk.public),
                bundle.signed_prekey.key_id,
                DjbECPublicKey(bundle.signed_prekey.public),
                bundle.signed_prekey.signature,
                IdentityKey(DjbECPublicKey(bundle.identity_key)),
            )
        )

    def encrypt(self, plaintext: bytes) -> tuple[EnvelopeType, bytes]:
        msg = self.cipher().encrypt(plaintext)
        return EnvelopeType(msg.getType()), msg.serialize()

    def decrypt(self, kind: EnvelopeType, data: bytes) -> bytes:
        if kind is EnvelopeType.PREKEY:
            return bytes(self.cipher().decryptPkmsg(PreKeyWhisperMessage(serialized=data)))
        return bytes(self.cipher().decryptMsg(WhisperMessage(serialized=data)))


async def decrypt(ours: SignalParty, kind: EnvelopeType, data: bytes) -> bytes:
    return await ours.decrypt(*THEIRS, kind, data)


async def converse(ours: SignalParty, theirs: AxolotlDevice) -> None:
    """Several ratchet steps each way, with one message of each burst delivered late."""
    for turn in range(6):
        late = []
        for i in range(3):
            text = f"ours {turn}.{i}".encode()
            kind, data = await ours.encrypt(*THEIRS, text)
            if i == 0:
                late.append((kind, data, text))
            else:
                assert theirs.decrypt(kind, data) == text
        for kind, data, text in late:
            assert theirs.decrypt(kind, data) == text
        for i in range(2):
            text = f"theirs {turn}.{i}".encode()
            assert await decrypt(ours, *theirs.encrypt(text)) == text


async def test_we_start_a_session_with_libsignal() -> None:
    theirs = AxolotlDevice()
    ours = SignalParty(MemoryStore(), KEK)
    await ours.process_bundle(*THEIRS, theirs.bundle())
    kind, data = await ours.encrypt(*THEIRS, b"Your flight AF 1234 boards at gate B12")
    assert kind is EnvelopeType.PREKEY
    assert theirs.decrypt(kind, data) == b"Your flight AF 1234 boards at gate B12"
    assert not theirs.store.containsPreKey(31337)  # the one-time prekey was used
    await converse(ours, theirs)


async def test_libsignal_starts_a_session_with_us() -> None:
    ours = SignalParty(MemoryStore(), KEK)
    device_keys = await ours.device_keys(one_time_prekeys=1)
    theirs = AxolotlDevice()
    theirs.start(device_keys.bundle(1, device_keys.one_time_prekeys[0]))
    kind, data = theirs.encrypt(b"I'd like a window seat")
    assert kind is EnvelopeType.PREKEY
    assert await decrypt(ours, kind, data) == b"I'd like a window seat"
    with pytest.raises(UnknownPreKey):
        await ours.keys.prekey(device_keys.one_time_prekeys[0].key_id)  # used up
    # the same bytes again: a replay, refused
    with pytest.raises(DuplicateMessage):
        await decrypt(ours, kind, data)
    await converse(ours, theirs)


def test_signatures_cross_verify() -> None:
    for _ in range(20):  # half of all keys have the Ed25519 sign bit set
        pair = KeyPair.generate()
        msg = encode_public(KeyPair.generate().public)
        assert Curve.verifySignature(DjbECPublicKey(pair.public), msg, pair.sign(msg))
        theirs = Curve.calculateSignature(Curve.decodePrivatePoint(pair.private), msg)
        assert verify(pair.public, msg, theirs)


def test_key_derivations_match() -> None:
    kdf = HKDFv3()
    for _ in range(5):
        root_key, chain_key = os.urandom(32), os.urandom(32)
        ours, their_pub = KeyPair.generate(), KeyPair.generate()
        their_root, their_chain = RootKey(kdf, root_key).createChain(
            DjbECPublicKey(their_pub.public),
            ECKeyPair(DjbECPublicKey(ours.public), Curve.decodePrivatePoint(ours.private)),
        )
        assert ratchet.root_step(root_key, ours.agree(their_pub.public)) == (
            their_root.getKeyBytes(),
            their_chain.getKey(),
        )
        keys = ChainKey(kdf, chain_key, 0).getMessageKeys()
        assert ratchet.message_keys(ratchet.message_seed(chain_key)) == (
            keys.getCipherKey(),
            keys.getMacKey(),
            keys.getIv(),
        )
        assert (
            ratchet.next_chain_key(chain_key)
            == ChainKey(kdf, chain_key, 0).getNextChainKey().getKey()
        )
