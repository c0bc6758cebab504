from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifybot.crypto import ratchet
from notifybot.crypto.errors import DuplicateMessage, InvalidSignature
from notifybot.crypto.keys import KeyPair, encode_public
from notifybot.crypto.prekeys import OneTimePreKey, PreKeyBundle, SignedPreKey
from notifybot.crypto.ratchet import SessionRecord, SessionState, initiate, respond
from notifybot.crypto.wire import PreKeySignalMessage, SignalMessage
from notifybot.envelope import EnvelopeType
from notifybot.errors import EnvelopeError


def bundle_for(identity: KeyPair, signed: KeyPair, one_time: KeyPair | None) -> PreKeyBundle:
    spk = SignedPreKey(7, signed.public, identity.sign(encode_public(signed.public)))
    otk = None if one_time is None else OneTimePreKey(31337, one_time.public)
    return PreKeyBundle(identity.public, 2, 1, spk, otk)


def send(state: SessionState, plaintext: bytes) -> SignalMessage:
    kind, data = state.encrypt(plaintext)
    if kind is EnvelopeType.PREKEY:
        return PreKeySignalMessage.parse(data).message
    return SignalMessage.parse(data)


def sessions(one_time: bool = True) -> tuple[SessionState, SessionState]:
    alice_id, bob_id, signed = KeyPair.generate(), KeyPair.generate(), KeyPair.generate()
    otk = KeyPair.generate() if one_time else None
    alice = initiate(alice_id, 1, bundle_for(bob_id, signed, otk))
    kind, first = alice.encrypt(b"hello")
    assert kind is EnvelopeType.PREKEY
    msg = PreKeySignalMessage.parse(first)
    assert (msg.prekey_id, msg.signed_prekey_id, msg.registration_id) == (
        31337 if one_time else None,
        7,
        1,
    )
    bob = respond(bob_id, 2, signed, otk, msg)
    assert bob.decrypt(msg.message) == b"hello"
    return alice, bob


def snapshot(state: SessionState) -> str:
    return json.dumps(state.to_json(), sort_keys=True)


@pytest.mark.parametrize("one_time", [True, False])
def test_long_conversation(one_time: bool) -> None:
    alice, bob = sessions(one_time)
    rng = random.Random(1)
    for turn in range(40):
        sender, receiver = (alice, bob) if turn % 2 else (bob, alice)
        for i in range(rng.randint(1, 4)):
            text = f"turn {turn} message {i}".encode()
            assert receiver.decrypt(send(sender, text)) == text
    assert alice.pending is None
    assert alice.encrypt(b"x")[0] is EnvelopeType.SIGNAL
    assert len(alice.receivers) <= ratchet.MAX_RECEIVER_CHAINS


def test_prekey_messages_until_the_first_reply() -> None:
    alice, bob = sessions()
    assert alice.encrypt(b"again")[0] is EnvelopeType.PREKEY
    bob.decrypt(send(alice, b"more"))
    alice.decrypt(send(bob, b"reply"))
    assert alice.encrypt(b"now")[0] is EnvelopeType.SIGNAL


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(9))))
def test_any_delivery_order(order: list[int]) -> None:
    alice, bob = sessions()
    messages = [send(alice, f"a{i}".encode()) for i in range(4)]
    alice.decrypt(send(bob, b"reply"))  # alice ratchets: her next messages use a new key
    messages += [send(alice, f"a{i}".encode()) for i in range(4, 9)]
    for i in order:
        assert bob.decrypt(messages[i]) == f"a{i}".encode()


def test_duplicates_are_refused() -> None:
    alice, bob = sessions()
    m1, m2 = send(alice, b"1"), send(alice, b"2")
    assert bob.decrypt(m2) == b"2"
    with pytest.raises(DuplicateMessage):
        bob.decrypt(m2)
    assert bob.decrypt(m1) == b"1"  # from the skipped keys
    with pytest.raises(DuplicateMessage):
        bob.decrypt(m1)


def test_a_tampered_message_changes_nothing() -> None:
    alice, bob = sessions()
    bob.decrypt(send(alice, b"warm up"))
    msg = send(alice, b"the real one")
    before = snapshot(bob)
    for i in range(len(msg.serialized)):
        forged = bytearray(msg.serialized)
        forged[i] ^= 0x01
        with pytest.raises((EnvelopeError, DuplicateMessage)):
            bob.decrypt(SignalMessage.parse(bytes(forged)))
        assert snapshot(bob) == before
    assert bob.decrypt(msg) == b"the real one"


def test_a_forged_new_ratchet_key_changes_nothing() -> None:
    alice, bob = sessions()
    msg = send(bob, b"x")
    forged = SignalMessage.build(
        mac_key=bytes(32),
        sender_identity=bob.local_identity,
        receiver_identity=alice.local_identity,
        ratchet_key=KeyPair.generate().public,
        counter=0,
        previous_counter=0,
        ciphertext=msg.ciphertext,
    )
    before = snapshot(alice)
    with pytest.raises(EnvelopeError):
        alice.decrypt(forged)
    assert snapshot(alice) == before
    assert alice.decrypt(msg) == b"x"


def test_forward_jump_limit() -> None:
    alice, bob = sessions()
    messages = [send(alice, b"%d" % i) for i in range(ratchet.MAX_FORWARD_JUMP + 2)]
    with pytest.raises(EnvelopeError):
        bob.decrypt(messages[-1])  # counter 2002, chain at 1
    assert bob.decrypt(messages[-2]) == b"%d" % ratchet.MAX_FORWARD_JUMP  # a jump of 2000
    assert bob.decrypt(messages[0]) == b"0"


def test_skipped_keys_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratchet, "MAX_SKIPPED_KEYS", 3)
    alice, bob = sessions()
    messages = [send(alice, b"%d" % i) for i in range(6)]
    assert bob.decrypt(messages[5]) == b"5"
    for i in (0, 1):
        with pytest.raises(DuplicateMessage):
            bob.decrypt(messages[i])
    assert [bob.decrypt(messages[i]) for i in (2, 3, 4)] == [b"2", b"3", b"4"]


def test_state_survives_serialisation_mid_conversation() -> None:
    alice, bob = sessions()
    pending = [send(alice, b"%d" % i) for i in range(3)]
    bob.decrypt(pending[2])
    record = SessionRecord.from_bytes(SessionRecord(bob).to_bytes())
    assert record.current is not None
    bob2 = record.current
    assert snapshot(bob2) == snapshot(bob)
    assert bob2.decrypt(pending[0]) == b"0"
    assert alice.decrypt(send(bob2, b"back")) == b"back"
    assert repr(bob2).count(bob2.root_key.hex()) == 0


def test_archived_sessions_still_open_messages_in_flight() -> None:
    alice_id, bob_id, signed = KeyPair.generate(), KeyPair.generate(), KeyPair.generate()
    bundle = bundle_for(bob_id, signed, None)
    old = initiate(alice_id, 1, bundle)
    in_flight = [old.encrypt(b"old %d" % i) for i in range(2)]
    new = initiate(alice_id, 1, bundle)  # alice re-installed her session
    record = SessionRecord()
    for kind, data in (in_flight[0], new.encrypt(b"new")):
        assert kind is EnvelopeType.PREKEY
        msg = PreKeySignalMessage.parse(data)
        if not record.has_base_key(msg.base_key):
            record.promote(respond(bob_id, 2, signed, None, msg))
        record.decrypt(msg.message)
    assert record.current is not None and record.current.base_key == new.base_key
    late = PreKeySignalMessage.parse(in_flight[1][1])
    assert record.has_base_key(late.base_key)
    assert record.decrypt(late.message) == b"old 1"
    assert record.current.base_key == old.base_key  # promoted
    assert len(record.archived) == 1


def test_forged_bundle_signature() -> None:
    identity, signed = KeyPair.generate(), KeyPair.generate()
    good = bundle_for(identity, signed, None)
    forged = PreKeyBundle(KeyPair.generate().public, 2, 1, good.signed_prekey)
    with pytest.raises(InvalidSignature):
        initiate(KeyPair.generate(), 1, forged)
