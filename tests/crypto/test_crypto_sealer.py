from __future__ import annotations

import asyncio
import logging

import attrs
import pytest

import notifybot.crypto
from notifybot.crypto import (
    DeviceKeys,
    DuplicateMessage,
    InvalidSignature,
    MemoryKeyDirectory,
    NoDevices,
    NoSession,
    PreKeyBundle,
    SignalSealer,
    UntrustedIdentity,
)
from notifybot.crypto.keystore import NS_PREKEY, Address
from notifybot.crypto.sealer import PAD_BLOCK, pad, unpad
from notifybot.crypto.wire import PreKeySignalMessage
from notifybot.envelope import Button, Content, Envelope, EnvelopeType
from notifybot.errors import ConfigurationError, CryptoError, EnvelopeError
from notifybot.sealing import OutboundMessage
from notifybot.store import MemoryStore

GATE = Content("Gate changed to B12", (Button("Boarding pass", "https://x.example/bp"),), "gate")


def message(text: str = "Boarding at 9:40", mid: str = "m1", to: str = "cust") -> OutboundMessage:
    content = attrs.evolve(GATE, text=text)
    return OutboundMessage(mid, "acme", to, content, 1767258000000, "utility")


class YieldingStore(MemoryStore):
    """A store whose reads suspend, as a database's do (so coroutines interleave)."""

    async def kv_get(self, namespace: str, key: str) -> bytes | None:
        value = await super().kv_get(namespace, key)
        await asyncio.sleep(0)  # the answer comes back later
        return value


World = tuple[MemoryKeyDirectory, SignalSealer, SignalSealer, SignalSealer]


@pytest.fixture
async def world() -> World:
    directory = MemoryKeyDirectory()
    bot = SignalSealer("acme", 1, YieldingStore(), directory)
    phone = SignalSealer("cust", 1, YieldingStore(), directory)
    laptop = SignalSealer("cust", 2, YieldingStore(), directory)
    for sealer in (bot, phone, laptop):
        await sealer.register(one_time_prekeys=3)
    return directory, bot, phone, laptop


def wire(envelope: Envelope) -> Envelope:
    """What the other side receives: the envelope through its wire form."""
    return Envelope.from_bytes(envelope.to_bytes())


async def test_one_envelope_per_device(world: World) -> None:
    directory, bot, phone, laptop = world
    envelopes = await bot.seal(message())
    assert [(e.device_id, e.type, e.sender_device) for e in envelopes] == [
        (1, EnvelopeType.PREKEY, 1),
        (2, EnvelopeType.PREKEY, 1),
    ]
    assert all(e.template_id == "gate" and e.category == "utility" for e in envelopes)
    assert envelopes[0].body != envelopes[1].body
    assert b"Boarding" not in envelopes[0].to_bytes()
    assert await phone.open(wire(envelopes[0])) == attrs.evolve(GATE, text="Boarding at 9:40")
    assert await laptop.open(wire(envelopes[1])) == attrs.evolve(GATE, text="Boarding at 9:40")
    assert directory.prekeys_left("cust", 1) == 2
    assert await phone.keys.store.kv_keys(NS_PREKEY) == ["2", "3"]  # the used one is gone


async def test_conversation_both_ways(world: World) -> None:
    _, bot, phone, laptop = world
    for n in range(3):
        for env in await bot.seal(message(f"update {n}", f"m{n}")):
            device = phone if env.device_id == 1 else laptop
            assert (await device.open(wire(env))).text == f"update {n}"
        reply = OutboundMessage(f"r{n}", "cust", "acme", Content(f"ok {n}"), 1767258000001)
        (env,) = await phone.seal(reply)
        assert (env.type, env.device_id, env.sender_device) == (EnvelopeType.SIGNAL, 1, 1)
        assert (await bot.open(wire(env))).text == f"ok {n}"
    kinds = {e.device_id: e.type for e in await bot.seal(message("again", "m9"))}
    assert kinds == {1: EnvelopeType.SIGNAL, 2: EnvelopeType.PREKEY}  # the laptop never replied


async def test_every_metadata_field_is_bound(world: World) -> None:
    _, bot, phone, _laptop = world
    genuine = (await bot.seal(message()))[0]
    before = await phone.keys.store.kv_get("crypto.session", "acme/1")
    for change in (
        {"message_id": "m2"},
        {"timestamp_ms": 1},
        {"template_id": "other"},
        {"template_id": None},
        {"category": "marketing"},
    ):
        with pytest.raises(EnvelopeError, match="metadata"):
            await phone.open(attrs.evolve(genuine, **change))
        # nothing was kept: no session, the one-time prekey still there
        assert await phone.keys.store.kv_get("crypto.session", "acme/1") == before
        assert await phone.keys.store.kv_keys(NS_PREKEY) == ["1", "2", "3"]
    assert (await phone.open(genuine)).text == "Boarding at 9:40"


async def test_tampered_body_is_refused_and_the_genuine_one_still_opens(world: World) -> None:
    _, bot, phone, _laptop = world
    await phone.open((await bot.seal(message("first", "m0")))[0])
    genuine = (await bot.seal(message()))[0]
    assert genuine.type is EnvelopeType.PREKEY  # the phone has not answered yet
    before = await phone.keys.store.kv_get("crypto.session", "acme/1")
    frame = PreKeySignalMessage.parse(genuine.body)
    refused = 0
    for i in range(len(genuine.body)):
        body = bytearray(genuine.body)
        body[i] ^= 0x10
        try:
            changed = PreKeySignalMessage.parse(bytes(body))
            if (changed.base_key, changed.identity_key, changed.message) == (
                frame.base_key,
                frame.identity_key,
                frame.message,
            ):
                continue  # registration and prekey ids: unauthenticated in libsignal's format
        except EnvelopeError:
            pass
        # a bad MAC, a malformed message, or (a changed base key) an unknown prekey
        with pytest.raises((EnvelopeError, CryptoError)):
            await phone.open(attrs.evolve(genuine, body=bytes(body)))
        assert await phone.keys.store.kv_get("crypto.session", "acme/1") == before
        refused += 1
    assert refused >= len(genuine.body) - 8
    assert (await phone.open(genuine)).text == "Boarding at 9:40"


async def test_misrouted_and_plaintext_envelopes(world: World) -> None:
    _, bot, phone, laptop = world
    to_phone, to_laptop = await bot.seal(message())
    with pytest.raises(EnvelopeError, match="not addressed"):
        await laptop.open(to_phone)
    with pytest.raises(EnvelopeError):  # re-addressed to the laptop: its own keys cannot open it
        await laptop.open(attrs.evolve(to_phone, device_id=2))
    with pytest.raises(EnvelopeError):  # another sender device: metadata bound
        await phone.open(attrs.evolve(to_phone, sender_device=2, type=EnvelopeType.SIGNAL))
    with pytest.raises(EnvelopeError, match="not a Signal message"):
        await phone.open(attrs.evolve(to_phone, type=EnvelopeType.PLAINTEXT))
    assert (await laptop.open(to_laptop)).text == "Boarding at 9:40"


async def test_replay_is_a_duplicate(world: World) -> None:
    _, bot, phone, _laptop = world
    first, second = [(await bot.seal(message(mid=m)))[0] for m in ("m1", "m2")]
    assert (await phone.open(first)).text == (await phone.open(second)).text
    for env in (first, second):
        with pytest.raises(DuplicateMessage):
            await phone.open(env)


async def test_a_signal_message_without_session(world: World) -> None:
    _, bot, phone, _laptop = world
    await phone.open((await bot.seal(message()))[0])
    reply = (await phone.seal(OutboundMessage("r", "cust", "acme", Content("hi"), 1)))[0]
    assert reply.type is EnvelopeType.SIGNAL
    stranger = SignalSealer("acme", 1, MemoryStore(), MemoryKeyDirectory())
    with pytest.raises(NoSession):
        await stranger.open(reply)


async def test_concurrent_seals_use_one_session(world: World) -> None:
    directory, bot, phone, laptop = world
    batches = await asyncio.gather(*(bot.seal(message(f"n{i}", f"m{i}")) for i in range(8)))
    assert directory.prekeys_left("cust", 1) == 2  # one bundle fetched, not eight
    for i in reversed(range(8)):
        assert (await phone.open(batches[i][0])).text == f"n{i}"
        assert (await laptop.open(batches[i][1])).text == f"n{i}"


async def test_sessions_survive_a_restart(world: World) -> None:
    directory, bot, phone, _laptop = world
    await phone.open((await bot.seal(message()))[0])
    restarted = SignalSealer("acme", 1, bot.keys.store, directory)
    env = (await restarted.seal(message("after restart", "m2")))[0]
    assert (await phone.open(env)).text == "after restart"
    assert (await restarted.keys.identity()).key_pair == (await bot.keys.identity()).key_pair


async def test_bundles_without_one_time_prekeys(world: World) -> None:
    directory, bot, phone, _laptop = world
    for _ in range(3):
        await directory.bundle("cust", 1)  # someone used them all up
    env = (await bot.seal(message()))[0]
    assert (await phone.open(env)).text == "Boarding at 9:40"


async def test_no_devices(world: World) -> None:
    _, bot, _phone, _laptop = world
    with pytest.raises(NoDevices):
        await bot.seal(message(to="nobody"))
    with pytest.raises(ConfigurationError):
        await bot.seal(attrs.evolve(message(), sender="someone-else"))


async def test_forged_bundles_are_refused() -> None:
    directory = MemoryKeyDirectory()
    victim = SignalSealer("cust", 1, MemoryStore(), directory)
    keys = await victim.keys.device_keys(1)
    mallory = await SignalSealer("m", 1, MemoryStore(), directory).keys.device_keys(0)
    forged = attrs.evolve(keys, signed_prekey=mallory.signed_prekey)
    with pytest.raises(InvalidSignature):
        await directory.publish("cust", 1, forged)
    with pytest.raises(InvalidSignature):
        DeviceKeys.from_json(forged.to_json())
    with pytest.raises(InvalidSignature):
        PreKeyBundle.from_json(forged.bundle(1, None).to_json())
    assert DeviceKeys.from_json(keys.to_json()) == keys
    bundle = keys.bundle(1, keys.one_time_prekeys[0])
    assert PreKeyBundle.from_json(bundle.to_json()) == bundle


async def test_identity_change(world: World) -> None:
    directory, bot, phone, _laptop = world
    await phone.open((await bot.seal(message()))[0])
    reinstalled = SignalSealer("cust", 1, MemoryStore(), directory)
    await reinstalled.register()
    await bot.keys.delete_session(Address("cust", 1))  # e.g. the device said it lost its session
    with pytest.raises(UntrustedIdentity) as info:
        await bot.seal(message(mid="m2"))
    assert info.value.identity_key == (await reinstalled.keys.identity()).key_pair.public
    await bot.keys.trust_identity(Address("cust", 1), info.value.identity_key)
    env = (await bot.seal(message(mid="m3")))[0]
    assert (await reinstalled.open(env)).text == "Boarding at 9:40"

    lenient = SignalSealer("acme", 1, MemoryStore(), directory, trust_new_identities=True)
    await lenient.keys.trust_identity(Address("cust", 1), b"\x01" * 32)
    assert len(await lenient.seal(message(mid="m4"))) == 2


async def test_forget_peer(world: World) -> None:
    _, bot, _phone, _laptop = world
    await bot.seal(message())
    await bot.keys.forget_peer("cust")
    for device in (1, 2):
        assert await bot.keys.load_session(Address("cust", device)) is None
        assert await bot.keys.peer_identity(Address("cust", device)) is None


async def test_no_key_material_in_logs_or_reprs(
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, bot, phone, _laptop = world
    caplog.set_level(logging.DEBUG)
    await phone.open((await bot.seal(message()))[0])
    identity = await bot.keys.identity()
    record = await bot.keys.load_session(Address("cust", 1))
    assert record is not None and record.current is not None
    secrets = [identity.key_pair.private, record.current.root_key]
    secrets += [record.current.sender_chain_key, record.current.sender_ratchet.private]
    text = caplog.text + repr(identity) + repr(record) + repr(bot.keys) + repr(bot)
    for secret in secrets:
        assert secret.hex() not in text and secret.hex()[:12] not in text


def test_padding() -> None:
    for size in (0, 1, PAD_BLOCK - 1, PAD_BLOCK, 1000):
        padded = pad(b"\x00" * size)
        assert len(padded) % PAD_BLOCK == 0 and unpad(padded) == b"\x00" * size
    for bad in (b"", bytes(PAD_BLOCK), b"abc"):
        with pytest.raises(EnvelopeError):
            unpad(bad)


def test_public_names() -> None:
    assert sorted(notifybot.crypto.__all__) == notifybot.crypto.__all__
    for name in notifybot.crypto.__all__:
        assert hasattr(notifybot.crypto, name)
    assert SignalSealer.end_to_end is True


async def test_keys_made_concurrently_are_distinct() -> None:
    keys = SignalSealer("acme", 1, YieldingStore(), MemoryKeyDirectory()).keys
    identities = await asyncio.gather(*(keys.identity() for _ in range(5)))
    assert len({i.key_pair.public for i in identities}) == 1
    batches = await asyncio.gather(*(keys.new_prekeys(3) for _ in range(4)))
    ids = [k.key_id for batch in batches for k in batch]
    assert sorted(ids) == list(range(1, 13))
