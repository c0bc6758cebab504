from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import attrs
import pytest
from tests.crypto.support import KEK, YieldingStore, dump

import notifybot.crypto
from notifybot.crypto import (
    DeviceKeys,
    DuplicateMessage,
    InvalidMessage,
    InvalidSignature,
    KeyUnwrapError,
    MemoryPrekeyDirectory,
    NoDevices,
    NoSession,
    PreKeyBundle,
    SignalParty,
    SignalSealer,
    UnknownPreKey,
    UntrustedIdentity,
    open_payload,
    seal_payload,
)
from notifybot.crypto.keystore import Address
from notifybot.crypto.sealer import PAD_BLOCK, pad, unpad
from notifybot.envelope import Button, Content, Envelope, EnvelopeType
from notifybot.errors import ConfigurationError, CryptoError, EnvelopeError
from notifybot.sealing import OutboundMessage, Sealer
from notifybot.store.base import Store

GATE = Content("Gate changed to B12", (Button("Boarding pass", "https://x.example/bp"),), "gate")
TS = 1767258000000


def message(text: str = "Boarding at 9:40", mid: str = "m1", to: str = "cust") -> OutboundMessage:
    return OutboundMessage(mid, "acme", to, attrs.evolve(GATE, text=text), TS, "utility")


class Phone:
    """A customer's device, on SignalParty (as the client's Device will be)."""

    def __init__(
        self, customer: str, device_id: int, store: Store, directory: MemoryPrekeyDirectory
    ):
        self.customer, self.device_id, self.directory = customer, device_id, directory
        self.party = SignalParty(store, KEK)

    async def register(self, one_time_prekeys: int = 3) -> None:
        keys = await self.party.device_keys(one_time_prekeys)
        await self.directory.publish(self.customer, self.device_id, keys)

    async def open(self, env: Envelope) -> Content:
        if (env.recipient, env.device_id) != (self.customer, self.device_id):
            raise EnvelopeError("not for this device")
        return await self.party.decrypt(
            env.sender, 1, env.type, env.body, lambda pt, reg: open_payload(env, pt, reg)
        )

    async def send(self, text: str, mid: str = "r1", to: str = "acme") -> Envelope:
        draft = Envelope(mid, self.customer, to, self.device_id, EnvelopeType.SIGNAL, TS, b"")
        registration_id = (await self.party.keys.identity()).registration_id
        plaintext = seal_payload(draft, Content(text), registration_id)

        async def bundle() -> PreKeyBundle:
            return await self.directory.bundle(to, 1)

        kind, body = await self.party.encrypt(to, 1, plaintext, bundle)
        return attrs.evolve(draft, type=kind, body=body)


@attrs.define
class World:
    directory: MemoryPrekeyDirectory
    bot: SignalSealer
    phone: Phone
    laptop: Phone
    make_store: Callable[[], Store]


@pytest.fixture
async def world(make_store: Callable[[], Store]) -> World:
    directory = MemoryPrekeyDirectory()
    bot = SignalSealer("acme", make_store(), directory, kek=KEK)
    await directory.publish("acme", 1, await bot.device_keys(3))
    phone = Phone("cust", 1, make_store(), directory)
    laptop = Phone("cust", 2, make_store(), directory)
    for device in (phone, laptop):
        await device.register()
    return World(directory, bot, phone, laptop, make_store)


def wire(envelope: Envelope) -> Envelope:
    """What the other side receives: the envelope through its wire form."""
    return Envelope.from_bytes(envelope.to_bytes())


def test_it_is_a_sealer() -> None:
    sealer: Sealer = SignalSealer("acme", YieldingStore(), MemoryPrekeyDirectory(), kek=KEK)
    assert sealer.end_to_end is True


async def test_one_envelope_per_device(world: World) -> None:
    envelopes = await world.bot.seal(message())
    assert [(e.device_id, e.type) for e in envelopes] == [
        (1, EnvelopeType.PREKEY),
        (2, EnvelopeType.PREKEY),
    ]
    assert all(e.template_id == "gate" and e.category == "utility" for e in envelopes)
    assert envelopes[0].body != envelopes[1].body
    assert b"Boarding" not in envelopes[0].to_bytes()
    expected = attrs.evolve(GATE, text="Boarding at 9:40")
    assert await world.phone.open(wire(envelopes[0])) == expected
    assert await world.laptop.open(wire(envelopes[1])) == expected
    assert world.directory.prekeys_left("cust", 1) == 2
    assert [k for ns, k in await dump(world.phone.party.keys.store) if ns == "prekey"] == ["2", "3"]


async def test_customer_writes_first(world: World) -> None:
    """The usual order: the business answers a customer, as the X3DH responder."""
    first = await world.phone.send("Is my flight on time?")
    assert first.type is EnvelopeType.PREKEY
    assert (await world.bot.open(wire(first))).text == "Is my flight on time?"
    to_phone, to_laptop = await world.bot.seal(message("Yes, on time"))
    assert (to_phone.type, to_laptop.type) == (EnvelopeType.SIGNAL, EnvelopeType.PREKEY)
    assert (await world.phone.open(wire(to_phone))).text == "Yes, on time"
    assert (await world.phone.send("Thanks", "r2")).type is EnvelopeType.SIGNAL


async def test_conversation_both_ways(world: World) -> None:
    for n in range(4):
        for env in await world.bot.seal(message(f"update {n}", f"m{n}")):
            device = world.phone if env.device_id == 1 else world.laptop
            assert (await device.open(wire(env))).text == f"update {n}"
        reply = await world.phone.send(f"ok {n}", f"r{n}")
        assert (await world.bot.open(wire(reply))).text == f"ok {n}"


async def test_every_metadata_field_is_bound(world: World) -> None:
    genuine = await world.phone.send("hello")
    before = await dump(world.bot.party.keys.store)
    for change in (
        {"message_id": "r2"},
        {"timestamp_ms": 1},
        {"template_id": "gate"},
        {"category": "marketing"},
        {"device_id": 2},  # opens with a new session as device 2, then the header refuses
        {"sender": "other"},
    ):
        with pytest.raises(EnvelopeError, match="metadata"):
            await world.bot.open(attrs.evolve(genuine, **change))
        assert await dump(world.bot.party.keys.store) == before  # nothing kept
    assert (await world.bot.open(genuine)).text == "hello"


async def test_the_expiry_is_bound(world: World) -> None:
    """A relay cannot extend, shorten, remove or add an expiry: each is refused as tampering
    (the header has ``exp`` exactly when the sender set one), and no session state moves."""
    expiring = attrs.evolve(message("Driver arriving"), expires_ms=TS + 900_000)
    (env, _) = await world.bot.seal(expiring)
    assert env.expires_ms == TS + 900_000
    (plain, _) = await world.bot.seal(message("No expiry", "m2"))
    assert plain.expires_ms is None
    before = await dump(world.phone.party.keys.store)
    for forged in (
        attrs.evolve(env, expires_ms=TS + 86_400_000),  # extended
        attrs.evolve(env, expires_ms=TS + 1),  # shortened
        attrs.evolve(env, expires_ms=None),  # removed
        wire(Envelope.from_json({k: v for k, v in env.to_json().items() if k != "expires"})),
        attrs.evolve(plain, expires_ms=TS + 1000),  # added
    ):
        with pytest.raises(EnvelopeError, match="metadata"):
            await world.phone.open(wire(forged))
        assert await dump(world.phone.party.keys.store) == before
    assert (await world.phone.open(wire(env))).text == "Driver arriving"
    assert (await world.phone.open(wire(plain))).text == "No expiry"


async def test_a_header_sealed_before_expiries_existed_still_opens(world: World) -> None:
    """The old header form (no ``exp`` key) opens an envelope without an expiry."""
    draft = Envelope("old", "acme", "cust", 1, EnvelopeType.SIGNAL, TS, b"", None, "utility")
    plaintext = seal_payload(draft, Content("Boarding at 9:40"), 7)
    assert b'"exp"' not in plaintext
    assert open_payload(draft, plaintext, 7).text == "Boarding at 9:40"
    with pytest.raises(EnvelopeError, match="metadata"):
        open_payload(attrs.evolve(draft, expires_ms=TS + 1), plaintext, 7)


async def flip_every_bit(
    receiver: Callable[[Envelope], object], env: Envelope, store: Store
) -> None:
    """Flip each bit of the envelope's wire form: each is refused and nothing is kept, unless
    the flipped bytes parse to the very same envelope (the codec ignores unknown field names,
    and base64's unused padding bits), which then has nothing changed to notice."""
    data, before = env.to_bytes(), await dump(store)
    unchanged = 0
    for bit in range(len(data) * 8):
        flipped = bytearray(data)
        flipped[bit // 8] ^= 1 << (bit % 8)
        try:
            changed = Envelope.from_bytes(bytes(flipped))
        except EnvelopeError:
            continue
        if changed == env:
            unchanged += 1
            continue
        with pytest.raises((EnvelopeError, CryptoError)):
            await receiver(changed)  # type: ignore[misc]
        assert await dump(store) == before
    assert unchanged <= 2 * 7 * 8 + 6  # two null field names, the base64 padding bits


async def test_every_bit_flip_is_rejected(world: World) -> None:
    bot_store = world.bot.party.keys.store
    first = await world.phone.send("first contact")  # PREKEY, the business responds
    await flip_every_bit(world.bot.open, first, bot_store)
    assert (await world.bot.open(first)).text == "first contact"

    again = await world.phone.send("still unanswered", "r2")  # PREKEY on a known session
    await flip_every_bit(world.bot.open, again, bot_store)
    assert (await world.bot.open(again)).text == "still unanswered"

    (to_phone, _) = await world.bot.seal(message("answer"))  # SIGNAL, the other way
    await flip_every_bit(world.phone.open, to_phone, world.phone.party.keys.store)
    assert (await world.phone.open(to_phone)).text == "answer"
    later = await world.phone.send("and now?", "r3")
    assert later.type is EnvelopeType.SIGNAL
    await flip_every_bit(world.bot.open, later, bot_store)
    assert (await world.bot.open(later)).text == "and now?"


async def test_every_bit_flip_of_an_expiring_envelope_is_rejected(world: World) -> None:
    (env, _) = await world.bot.seal(attrs.evolve(message(), expires_ms=TS + 900_000))
    await flip_every_bit(world.phone.open, env, world.phone.party.keys.store)
    assert (await world.phone.open(env)).text == "Boarding at 9:40"


async def test_misrouted_and_plaintext_envelopes(world: World) -> None:
    genuine = await world.phone.send("hi")
    with pytest.raises(EnvelopeError, match="not addressed"):
        await world.bot.open(attrs.evolve(genuine, recipient="other-business"))
    with pytest.raises(InvalidMessage, match="not a Signal message"):
        await world.bot.open(attrs.evolve(genuine, type=EnvelopeType.PLAINTEXT))
    assert (await world.bot.open(genuine)).text == "hi"


async def test_replay_is_a_duplicate(world: World) -> None:
    first, second = await world.phone.send("a", "r1"), await world.phone.send("b", "r2")
    assert [(await world.bot.open(e)).text for e in (second, first)] == ["b", "a"]
    for env in (first, second):
        with pytest.raises(DuplicateMessage):
            await world.bot.open(env)


async def test_a_signal_message_without_session(world: World) -> None:
    await world.bot.open(await world.phone.send("hi"))
    (to_phone, _) = await world.bot.seal(message())
    await world.phone.open(to_phone)
    later = await world.phone.send("again", "r2")
    assert later.type is EnvelopeType.SIGNAL
    stranger = SignalSealer("acme", world.make_store(), world.directory, kek=KEK)
    with pytest.raises(NoSession):
        await stranger.open(later)


async def test_a_reused_one_time_prekey(world: World) -> None:
    bundle = await world.directory.bundle("acme", 1)
    a, b = (Phone(c, 1, world.make_store(), world.directory) for c in ("cust-a", "cust-b"))
    for p in (a, b):  # a faulty directory handed the same one-time prekey out twice
        await p.party.process_bundle("acme", 1, bundle)
    await world.bot.open(await a.send("one"))
    second = await b.send("two")
    before = await dump(world.bot.party.keys.store)
    with pytest.raises(UnknownPreKey):
        await world.bot.open(second)
    assert await dump(world.bot.party.keys.store) == before


async def test_concurrent_seals_use_one_session(world: World) -> None:
    batches = await asyncio.gather(*(world.bot.seal(message(f"n{i}", f"m{i}")) for i in range(8)))
    assert world.directory.prekeys_left("cust", 1) == 2  # one bundle fetched, not eight
    for i in reversed(range(8)):
        assert (await world.phone.open(batches[i][0])).text == f"n{i}"
        assert (await world.laptop.open(batches[i][1])).text == f"n{i}"


async def test_keys_made_concurrently_are_distinct() -> None:
    keys = SignalParty(YieldingStore(), KEK).keys
    identities = await asyncio.gather(*(keys.identity() for _ in range(5)))
    assert len({i.key_pair.public for i in identities}) == 1
    batches = await asyncio.gather(*(keys.new_prekeys(3) for _ in range(4)))
    assert sorted(k.key_id for batch in batches for k in batch) == list(range(1, 13))


async def test_sessions_survive_a_restart(world: World) -> None:
    await world.phone.open((await world.bot.seal(message()))[0])
    store = world.bot.party.keys.store
    restarted = SignalSealer("acme", store, world.directory, kek=KEK)
    env = (await restarted.seal(message("after restart", "m2")))[0]
    assert (await world.phone.open(env)).text == "after restart"
    with pytest.raises(KeyUnwrapError):
        await SignalSealer("acme", store, world.directory, kek=bytes(32)).seal(message())


async def test_keys_at_rest_are_sealed(world: World) -> None:
    await world.phone.open((await world.bot.seal(message()))[0])
    keys = world.bot.party.keys
    record = await keys.load_session(Address("cust", 1))
    assert record is not None and record.current is not None
    secrets = [(await keys.identity()).key_pair.private, record.current.root_key]
    secrets.append(record.current.sender_chain_key)
    stored = await dump(keys.store)
    for value in stored.values():
        assert value is not None
        for secret in secrets:
            assert secret not in value and secret.hex().encode() not in value
    # a value moved to another slot does not open
    session = await keys.store.kv_get("crypto.session", "cust/1")
    assert session is not None
    await keys.store.kv_put("crypto.session", "cust/2", session)
    with pytest.raises(KeyUnwrapError):
        await keys.load_session(Address("cust", 2))
    for bad in (b"", bytes(16), "x" * 32):
        with pytest.raises(ConfigurationError):
            SignalParty(keys.store, bad)  # type: ignore[arg-type]


async def test_bundles_without_one_time_prekeys(world: World) -> None:
    for _ in range(3):
        await world.directory.bundle("cust", 1)  # someone used them all up
    env = (await world.bot.seal(message()))[0]
    assert (await world.phone.open(env)).text == "Boarding at 9:40"


async def test_no_devices_and_wrong_sender(world: World) -> None:
    with pytest.raises(NoDevices):
        await world.bot.seal(message(to="nobody"))
    with pytest.raises(ConfigurationError):
        await world.bot.seal(attrs.evolve(message(), sender="someone-else"))


async def test_stale_devices(world: World) -> None:
    await world.laptop.open((await world.bot.seal(message()))[1])
    await world.directory.remove_device("cust", 2)  # the relay says: no device 2 any more
    await world.bot.drop_device("cust", 2)
    assert not await world.bot.party.has_session("cust", 2)
    assert [e.device_id for e in await world.bot.seal(message(mid="m2"))] == [1]


async def test_forged_bundles_are_refused(world: World) -> None:
    keys = await SignalParty(world.make_store(), KEK).device_keys(1)
    mallory = await SignalParty(world.make_store(), KEK).device_keys(0)
    forged = attrs.evolve(keys, signed_prekey=mallory.signed_prekey)
    with pytest.raises(InvalidSignature):
        await world.directory.publish("cust", 3, forged)
    with pytest.raises(InvalidSignature):
        DeviceKeys.from_json(forged.to_json())
    with pytest.raises(InvalidSignature):
        PreKeyBundle.from_json(forged.bundle(1, None).to_json())
    assert DeviceKeys.from_json(keys.to_json()) == keys
    bundle = keys.bundle(1, keys.one_time_prekeys[0])
    assert PreKeyBundle.from_json(bundle.to_json()) == bundle


async def test_identity_change_and_safety_numbers(world: World) -> None:
    await world.phone.open((await world.bot.seal(message()))[0])
    number = await world.bot.safety_number("cust", 1)
    assert len(number) == 60 and number.isdigit()
    assert await world.phone.party.safety_number("cust", "acme", 1) == number

    reinstalled = Phone("cust", 1, world.make_store(), world.directory)
    await reinstalled.register()
    await world.bot.drop_device("cust", 1)  # the relay said the device re-registered
    with pytest.raises(UntrustedIdentity) as info:
        await world.bot.seal(message(mid="m2"))
    new_key = info.value.identity_key
    assert new_key.hex() not in str(info.value)
    assert new_key == (await reinstalled.party.keys.identity()).key_pair.public
    await world.bot.trust_identity("cust", 1, new_key)
    env = (await world.bot.seal(message(mid="m3")))[0]
    assert (await reinstalled.open(env)).text == "Boarding at 9:40"
    assert await world.bot.safety_number("cust", 1) != number

    lenient = SignalSealer(
        "acme", world.make_store(), world.directory, kek=KEK, trust_new_identities=True
    )
    await lenient.trust_identity("cust", 1, b"\x01" * 32)
    assert len(await lenient.seal(message(mid="m4"))) == 2


async def test_forget_peer(world: World) -> None:
    await world.bot.seal(message())
    await world.bot.party.forget_peer("cust")
    assert not [k for k in await dump(world.bot.party.keys.store) if k[1].startswith("cust/")]


async def test_no_key_material_in_logs_reprs_or_errors(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await world.phone.open((await world.bot.seal(message()))[0])
    keys = world.bot.party.keys
    identity = await keys.identity()
    record = await keys.load_session(Address("cust", 1))
    assert record is not None and record.current is not None
    secrets = [KEK, identity.key_pair.private, record.current.root_key]
    secrets += [record.current.sender_chain_key, record.current.sender_ratchet.private]
    errors = []
    for bad in (b"", b"\x33garbage", bytes(100)):
        try:
            await world.bot.open(attrs.evolve(await world.phone.send("x"), body=bad))
        except CryptoError as exc:
            errors.append(str(exc))
    text = caplog.text + repr(identity) + repr(record) + repr(keys) + repr(world.bot)
    text += "".join(errors)
    for secret in secrets:
        assert secret.hex() not in text and secret.hex()[:12] not in text


def test_padding() -> None:
    for size in (0, 1, PAD_BLOCK - 1, PAD_BLOCK, 1000):
        padded = pad(b"\x00" * size)
        assert len(padded) % PAD_BLOCK == 0 and unpad(padded) == b"\x00" * size
    for bad in (b"", bytes(PAD_BLOCK), b"abc"):
        with pytest.raises(InvalidMessage):
            unpad(bad)


def test_public_names() -> None:
    assert sorted(notifybot.crypto.__all__) == notifybot.crypto.__all__
    for name in notifybot.crypto.__all__:
        assert hasattr(notifybot.crypto, name)


async def test_own_prekey_bundle() -> None:
    a, b = SignalParty(YieldingStore(), KEK), SignalParty(YieldingStore(), KEK)
    bundle = await b.prekey_bundle(7)
    assert bundle.device_id == 7 and bundle.one_time_prekey is not None
    assert PreKeyBundle.from_json(bundle.to_json()) == bundle  # its signature verifies
    await a.process_bundle("b", 7, bundle)
    kind, data = await a.encrypt("b", 7, b"hi")
    assert kind is EnvelopeType.PREKEY
    assert await b.decrypt("a", 1, kind, data) == b"hi"
    again = await b.prekey_bundle(7)
    assert again.signed_prekey == bundle.signed_prekey  # the current signed prekey is reused
    assert again.one_time_prekey != bundle.one_time_prekey
