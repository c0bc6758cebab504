from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifybot.crypto import ratchet
from notifybot.crypto.errors import (
    BadMac,
    DuplicateMessage,
    InvalidMessage,
    InvalidSignature,
    TooManySkippedMessages,
)
from notifybot.crypto.keys import KeyPair, encode_public
from notifybot.crypto.prekeys import OneTimePreKey, PreKeyBundle, SignedPreKey
from notifybot.crypto.ratchet import SessionRecord, SessionState, initiate, respond
from notifybot.crypto.wire import PreKeySignalMessage, SignalMessage
from notifybot.envelope import EnvelopeType


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
        with pytest.raises((InvalidMessage, DuplicateMessage)):
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
    with pytest.raises(BadMac):
        alice.decrypt(forged)
    assert snapshot(alice) == before
    assert alice.decrypt(msg) == b"x"


def test_forward_jump_limit() -> None:
    alice, bob = sessions()
    jump = ratchet.MAX_FORWARD_JUMP
    messages = [send(alice, b"%d" % i) for i in range(jump + 2)]
    before = snapshot(bob)
    with pytest.raises(TooManySkippedMessages):
        bob.decrypt(messages[-1])  # counter 25,002 with the chain at 1
    assert snapshot(bob) == before
    assert bob.decrypt(messages[-2]) == b"%d" % jump  # a jump of exactly 25,000
    chain = bob._receiver(messages[0].ratchet_key)
    assert chain is not None and len(chain.skipped) == ratchet.MAX_SKIPPED_KEYS  # newest 2,000
    assert bob.decrypt(messages[jump - 1]) == b"%d" % (jump - 1)
    with pytest.raises(DuplicateMessage):
        bob.decrypt(messages[1])  # its key was not kept


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
        if record.with_base_key(msg.base_key) is None:
            record.promote(respond(bob_id, 2, signed, None, msg))
        record.decrypt(msg.message)
    assert record.current is not None and record.current.base_key == new.base_key
    late = PreKeySignalMessage.parse(in_flight[1][1])
    assert record.with_base_key(late.base_key) is not None
    assert record.decrypt(late.message) == b"old 1"
    assert record.current.base_key == old.base_key  # promoted
    assert len(record.archived) == 1


def test_forged_bundle_signature() -> None:
    identity, signed = KeyPair.generate(), KeyPair.generate()
    good = bundle_for(identity, signed, None)
    forged = PreKeyBundle(KeyPair.generate().public, 2, 1, good.signed_prekey)
    with pytest.raises(InvalidSignature):
        initiate(KeyPair.generate(), 1, forged)


ACTIONS = st.tuples(
    st.sampled_from(["send", "deliver", "drop", "replay"]),
    st.booleans(),  # direction: alice -> bob, or bob -> alice
    st.integers(0, 1000),  # which message (reordering)
)


@settings(max_examples=150, deadline=None)
@given(st.lists(ACTIONS, max_size=80))
def test_random_interleavings(actions: list[tuple[str, bool, int]]) -> None:
    """Send, deliver in any order, lose and replay, both ways: every delivered message opens
    exactly once; replays (and messages of chains since dropped) are refused unchanged."""
    alice, bob = sessions()
    ends = {True: (alice, bob), False: (bob, alice)}
    in_flight: dict[bool, list[tuple[SignalMessage, bytes]]] = {True: [], False: []}
    delivered: dict[bool, list[SignalMessage]] = {True: [], False: []}
    # every ratchet key each receiver has had a chain for
    seen = {way: {c.ratchet_key for c in ends[way][1].receivers} for way in (True, False)}
    for n, (action, way, pick) in enumerate(actions):
        sender, receiver = ends[way]
        if action == "send":
            text = b"message %d" % n
            in_flight[way].append((send(sender, text), text))
        elif action in ("deliver", "drop") and in_flight[way]:
            message, text = in_flight[way].pop(pick % len(in_flight[way]))
            if action == "drop":
                continue
            live = {c.ratchet_key for c in receiver.receivers}
            if message.ratchet_key in seen[way] and message.ratchet_key not in live:
                before = snapshot(receiver)  # its chain was dropped (over 5 chains ago)
                with pytest.raises(BadMac):
                    receiver.decrypt(message)
                assert snapshot(receiver) == before
                continue
            assert receiver.decrypt(message) == text
            seen[way].update(c.ratchet_key for c in receiver.receivers)
            delivered[way].append(message)
        elif action == "replay" and delivered[way]:
            before = snapshot(receiver)
            with pytest.raises((DuplicateMessage, BadMac)):
                receiver.decrypt(delivered[way][pick % len(delivered[way])])
            assert snapshot(receiver) == before
