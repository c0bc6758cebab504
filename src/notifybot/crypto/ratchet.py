"""X3DH session set-up and the Double Ratchet, as libsignal's version 3 does them.

Pure and synchronous: a :class:`SessionState` encrypts and decrypts, a :class:`SessionRecord`
holds the current state and archived ones. Storage and locking belong to
:mod:`notifybot.crypto.party`.

Key derivation (HKDF-SHA256, RFC 5869, over the standard library's HMAC):

- X3DH: ``HKDF(0xFF*32 || DH1 || DH2 || DH3 [|| DH4], salt=0, info="WhisperText")`` gives the
  first root key and chain key;
- each DH ratchet step: ``HKDF(DH(ours, theirs), salt=root, info="WhisperRatchet")`` gives the
  next root key and a chain key;
- a chain key ``ck`` gives the message key seed ``HMAC(ck, 0x01)`` and the next chain key
  ``HMAC(ck, 0x02)``; a seed gives ``HKDF(seed, info="WhisperMessageKeys")`` = AES-256 key,
  HMAC key and CBC IV.

Decryption works out every change first, checks the MAC, and only then applies the changes,
so a message that fails to open leaves the state exactly as it was.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

import attrs
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from notifybot.crypto.errors import (
    BadMac,
    DuplicateMessage,
    InvalidMessage,
    TooManySkippedMessages,
)
from notifybot.crypto.keys import KeyPair, same_key
from notifybot.crypto.prekeys import PreKeyBundle
from notifybot.crypto.wire import MESSAGE_VERSION, PreKeySignalMessage, SignalMessage
from notifybot.envelope import EnvelopeType

#: How far ahead of its chain a message may be (libsignal's MAX_FORWARD_JUMPS).
MAX_FORWARD_JUMP = 25_000
#: Keys of skipped messages kept per receiving chain, oldest dropped first (MAX_MESSAGE_KEYS).
MAX_SKIPPED_KEYS = 2_000
#: Receiving chains kept per session, oldest dropped first.
MAX_RECEIVER_CHAINS = 5
#: Earlier sessions with the same device kept for messages still in flight.
MAX_ARCHIVED_STATES = 40

_ZERO_SALT = bytes(32)


def hkdf(ikm: bytes, info: bytes, length: int, salt: bytes = _ZERO_SALT) -> bytes:
    """HKDF-SHA256 (RFC 5869)."""
    prk = hmac.digest(salt, ikm, "sha256")
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.digest(prk, block + info + bytes((counter,)), "sha256")
        out += block
        counter += 1
    return out[:length]


def root_step(root_key: bytes, dh: bytes) -> tuple[bytes, bytes]:
    """The next root key and a new chain key."""
    out = hkdf(dh, b"WhisperRatchet", 64, salt=root_key)
    return out[:32], out[32:]


def message_seed(chain_key: bytes) -> bytes:
    return hmac.digest(chain_key, b"\x01", "sha256")


def next_chain_key(chain_key: bytes) -> bytes:
    return hmac.digest(chain_key, b"\x02", "sha256")


def message_keys(seed: bytes) -> tuple[bytes, bytes, bytes]:
    """AES-256 key, HMAC-SHA256 key and CBC IV of one message."""
    out = hkdf(seed, b"WhisperMessageKeys", 80)
    return out[:32], out[32:64], out[64:]


def _first_keys(secrets: list[bytes]) -> tuple[bytes, bytes]:
    out = hkdf(b"\xff" * 32 + b"".join(secrets), b"WhisperText", 64)
    return out[:32], out[32:]


def x3dh_initiator(
    identity: KeyPair,
    base: KeyPair,
    their_identity: bytes,
    their_signed_prekey: bytes,
    their_one_time_prekey: bytes | None,
) -> tuple[bytes, bytes]:
    """Alice's X3DH: the first root key and chain key."""
    secrets = [
        identity.agree(their_signed_prekey),
        base.agree(their_identity),
        base.agree(their_signed_prekey),
    ]
    if their_one_time_prekey is not None:
        secrets.append(base.agree(their_one_time_prekey))
    return _first_keys(secrets)


def x3dh_responder(
    identity: KeyPair,
    signed_prekey: KeyPair,
    one_time_prekey: KeyPair | None,
    their_identity: bytes,
    their_base: bytes,
) -> tuple[bytes, bytes]:
    """Bob's X3DH: the same root key and chain key as Alice's."""
    secrets = [
        signed_prekey.agree(their_identity),
        identity.agree(their_base),
        signed_prekey.agree(their_base),
    ]
    if one_time_prekey is not None:
        secrets.append(one_time_prekey.agree(their_base))
    return _first_keys(secrets)


def _encrypt(key: bytes, iv: bytes, plaintext: bytes) -> bytes:
    pad = 16 - len(plaintext) % 16
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(plaintext + bytes((pad,)) * pad) + enc.finalize()


def _decrypt(key: bytes, iv: bytes, ciphertext: bytes) -> bytes:
    if not ciphertext or len(ciphertext) % 16:
        raise InvalidMessage("ciphertext is not a whole number of AES blocks")
    dec = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = dec.update(ciphertext) + dec.finalize()
    pad = padded[-1]
    if not 1 <= pad <= 16 or padded[-pad:] != bytes((pad,)) * pad:
        raise InvalidMessage("bad PKCS#7 padding")
    return padded[:-pad]


@attrs.define
class ReceiverChain:
    """The chain of one of the peer's ratchet keys, and keys of messages it skipped."""

    ratchet_key: bytes
    chain_key: bytes = attrs.field(repr=False)
    index: int
    skipped: dict[int, bytes] = attrs.field(factory=dict, repr=False)


@attrs.frozen
class PendingPreKey:
    """Until the peer answers, our messages carry the X3DH inputs (as PreKey messages)."""

    prekey_id: int | None
    signed_prekey_id: int
    base_key: bytes


@attrs.define
class SessionState:
    """One Double Ratchet session with one device."""

    local_identity: bytes
    remote_identity: bytes
    local_registration_id: int
    remote_registration_id: int
    #: Alice's X3DH base key: identifies the session (a repeated PreKey message finds it).
    base_key: bytes
    root_key: bytes = attrs.field(repr=False)
    sender_ratchet: KeyPair
    sender_chain_key: bytes = attrs.field(repr=False)
    sender_index: int = 0
    previous_counter: int = 0
    receivers: list[ReceiverChain] = attrs.field(factory=list)
    pending: PendingPreKey | None = None
    #: For a session we accepted: the (one-time, signed) prekey ids it was set up with.
    prekey_ids: tuple[int | None, int] | None = None

    # -- sending ---------------------------------------------------------------------------

    def encrypt(self, plaintext: bytes) -> tuple[EnvelopeType, bytes]:
        """Encrypt and advance the sending chain."""
        cipher_key, mac_key, iv = message_keys(message_seed(self.sender_chain_key))
        message = SignalMessage.build(
            mac_key=mac_key,
            sender_identity=self.local_identity,
            receiver_identity=self.remote_identity,
            ratchet_key=self.sender_ratchet.public,
            counter=self.sender_index,
            previous_counter=self.previous_counter,
            ciphertext=_encrypt(cipher_key, iv, plaintext),
        )
        self.sender_chain_key = next_chain_key(self.sender_chain_key)
        self.sender_index += 1
        if self.pending is None:
            return EnvelopeType.SIGNAL, message.serialized
        return EnvelopeType.PREKEY, PreKeySignalMessage.build(
            registration_id=self.local_registration_id,
            prekey_id=self.pending.prekey_id,
            signed_prekey_id=self.pending.signed_prekey_id,
            base_key=self.pending.base_key,
            identity_key=self.local_identity,
            message=message,
        ).serialized

    # -- receiving -------------------------------------------------------------------------

    def _receiver(self, ratchet_key: bytes) -> ReceiverChain | None:
        for chain in self.receivers:
            if same_key(chain.ratchet_key, ratchet_key):
                return chain
        return None

    def decrypt(self, message: SignalMessage) -> bytes:
        """Open ``message``; the state changes only if it opens.

        Raises :class:`InvalidMessage` (:class:`BadMac`, :class:`TooManySkippedMessages`) or
        :class:`DuplicateMessage`.
        """
        counter = message.counter
        chain = self._receiver(message.ratchet_key)
        step: tuple[bytes, bytes, KeyPair, bytes] | None = None
        if chain is None:
            # A new ratchet key from the peer: a DH ratchet step (not applied yet).
            root, receive_key = root_step(
                self.root_key, self.sender_ratchet.agree(message.ratchet_key)
            )
            new_ratchet = KeyPair.generate()
            root, send_key = root_step(root, new_ratchet.agree(message.ratchet_key))
            step = (root, receive_key, new_ratchet, send_key)
            chain_key, index = receive_key, 0
        else:
            chain_key, index = chain.chain_key, chain.index

        skipped: list[tuple[int, bytes]] = []
        if counter < index:
            seed = chain.skipped.get(counter) if chain is not None else None
            if seed is None:
                raise DuplicateMessage(f"message {counter} of this chain was already opened")
        else:
            if counter - index > MAX_FORWARD_JUMP:
                raise TooManySkippedMessages(
                    f"message is {counter - index} ahead of its chain (at most {MAX_FORWARD_JUMP})"
                )
            keep_from = counter - MAX_SKIPPED_KEYS  # only the newest skipped keys are kept
            for i in range(index, counter):
                if i >= keep_from:
                    skipped.append((i, message_seed(chain_key)))
                chain_key = next_chain_key(chain_key)
            seed = message_seed(chain_key)
            chain_key, index = next_chain_key(chain_key), counter + 1

        cipher_key, mac_key, iv = message_keys(seed)
        if not message.verify_mac(mac_key, self.remote_identity, self.local_identity):
            raise BadMac("message authentication failed")
        plaintext = _decrypt(cipher_key, iv, message.ciphertext)

        # The message is authentic: apply the changes.
        if step is not None:
            self.root_key, receive_key, new_ratchet, send_key = step
            chain = ReceiverChain(message.ratchet_key, receive_key, 0)
            self.receivers.append(chain)
            del self.receivers[:-MAX_RECEIVER_CHAINS]
            self.previous_counter = max(self.sender_index - 1, 0)
            self.sender_ratchet, self.sender_chain_key, self.sender_index = (
                new_ratchet,
                send_key,
                0,
            )
        assert chain is not None
        if counter < chain.index:
            del chain.skipped[counter]
        else:
            chain.skipped.update(skipped)
            for old in list(chain.skipped)[: max(len(chain.skipped) - MAX_SKIPPED_KEYS, 0)]:
                del chain.skipped[old]
            chain.chain_key, chain.index = chain_key, index
        self.pending = None
        return plaintext

    # -- storage ---------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        p = self.pending
        return {
            "li": self.local_identity.hex(),
            "ri": self.remote_identity.hex(),
            "lr": self.local_registration_id,
            "rr": self.remote_registration_id,
            "bk": self.base_key.hex(),
            "rk": self.root_key.hex(),
            "sr": [self.sender_ratchet.private.hex(), self.sender_ratchet.public.hex()],
            "sc": self.sender_chain_key.hex(),
            "si": self.sender_index,
            "pc": self.previous_counter,
            "rc": [
                [c.ratchet_key.hex(), c.chain_key.hex(), c.index, _hex_map(c.skipped)]
                for c in self.receivers
            ],
            "p": None if p is None else [p.prekey_id, p.signed_prekey_id, p.base_key.hex()],
            "ids": None if self.prekey_ids is None else list(self.prekey_ids),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SessionState:
        h = bytes.fromhex
        p, ids = d["p"], d["ids"]
        return cls(
            local_identity=h(d["li"]),
            remote_identity=h(d["ri"]),
            local_registration_id=d["lr"],
            remote_registration_id=d["rr"],
            base_key=h(d["bk"]),
            root_key=h(d["rk"]),
            sender_ratchet=KeyPair(h(d["sr"][0]), h(d["sr"][1])),
            sender_chain_key=h(d["sc"]),
            sender_index=d["si"],
            previous_counter=d["pc"],
            receivers=[
                ReceiverChain(h(rk), h(ck), i, {int(n): h(s) for n, s in sk.items()})
                for rk, ck, i, sk in d["rc"]
            ],
            pending=None if p is None else PendingPreKey(p[0], p[1], h(p[2])),
            prekey_ids=None if ids is None else (ids[0], ids[1]),
        )


def _hex_map(keys: dict[int, bytes]) -> dict[str, str]:
    return {str(i): k.hex() for i, k in keys.items()}


def initiate(identity: KeyPair, registration_id: int, bundle: PreKeyBundle) -> SessionState:
    """Start a session with the device of ``bundle`` (X3DH as Alice); checks its signature."""
    bundle.signed_prekey.verify(bundle.identity_key)
    base = KeyPair.generate()
    signed = bundle.signed_prekey.public
    otk = bundle.one_time_prekey
    root, receive_key = x3dh_initiator(
        identity, base, bundle.identity_key, signed, None if otk is None else otk.public
    )
    ratchet = KeyPair.generate()
    root, send_key = root_step(root, ratchet.agree(signed))
    return SessionState(
        local_identity=identity.public,
        remote_identity=bundle.identity_key,
        local_registration_id=registration_id,
        remote_registration_id=bundle.registration_id,
        base_key=base.public,
        root_key=root,
        sender_ratchet=ratchet,
        sender_chain_key=send_key,
        receivers=[ReceiverChain(signed, receive_key, 0)],
        pending=PendingPreKey(
            None if otk is None else otk.key_id, bundle.signed_prekey.key_id, base.public
        ),
    )


def respond(
    identity: KeyPair,
    registration_id: int,
    signed_prekey: KeyPair,
    one_time_prekey: KeyPair | None,
    message: PreKeySignalMessage,
) -> SessionState:
    """Accept a session started by ``message`` (X3DH as Bob)."""
    root, send_key = x3dh_responder(
        identity, signed_prekey, one_time_prekey, message.identity_key, message.base_key
    )
    return SessionState(
        local_identity=identity.public,
        remote_identity=message.identity_key,
        local_registration_id=registration_id,
        remote_registration_id=message.registration_id,
        base_key=message.base_key,
        root_key=root,
        sender_ratchet=signed_prekey,
        sender_chain_key=send_key,
        prekey_ids=(message.prekey_id, message.signed_prekey_id),
    )


@attrs.define
class SessionRecord:
    """The sessions with one device: the current one, and archived ones (newest first)."""

    current: SessionState | None = None
    archived: list[SessionState] = attrs.field(factory=list)

    def states(self) -> list[SessionState]:
        return ([self.current] if self.current else []) + self.archived

    def with_base_key(self, base_key: bytes) -> SessionState | None:
        for state in self.states():
            if same_key(state.base_key, base_key):
                return state
        return None

    def promote(self, state: SessionState) -> None:
        """Make ``state`` current, archiving the previous current state."""
        if self.current is not None:
            self.archived.insert(0, self.current)
            del self.archived[MAX_ARCHIVED_STATES:]
        self.current = state

    def decrypt(self, message: SignalMessage) -> bytes:
        """Open with the current state, else an archived one (which then becomes current)."""
        duplicate: DuplicateMessage | None = None
        failure: InvalidMessage | None = None
        for n, state in enumerate(self.states()):
            try:
                plaintext = state.decrypt(message)
            except DuplicateMessage as exc:
                duplicate = duplicate or exc
                continue
            except InvalidMessage as exc:
                failure = failure or exc
                continue
            if state is not self.current:
                del self.archived[n - (self.current is not None)]
                self.promote(state)
            return plaintext
        if duplicate is not None:
            raise duplicate
        raise failure or BadMac("message does not open with any session with this device")

    def to_bytes(self) -> bytes:
        doc = {
            "v": MESSAGE_VERSION,
            "current": None if self.current is None else self.current.to_json(),
            "archived": [s.to_json() for s in self.archived],
        }
        return json.dumps(doc, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> SessionRecord:
        doc = json.loads(data)
        current = doc["current"]
        return cls(
            None if current is None else SessionState.from_json(current),
            [SessionState.from_json(s) for s in doc["archived"]],
        )
