"""X3DH session set-up and the Double Ratchet, as libsignal's version 3 does them.

Pure and synchronous: a :class:`SessionState` encrypts and decrypts, a :class:`SessionRecord`
holds the current state and archived ones. Where the state is kept, and locking, belong to
:mod:`notifybot.crypto.cipher`.

Key derivation (HKDF-SHA256 throughout):

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

import hashlib
import hmac
import json
from typing import Any

import attrs
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from notifybot.crypto.errors import DuplicateMessage
from notifybot.crypto.keys import KeyPair, same_key
from notifybot.crypto.prekeys import PreKeyBundle
from notifybot.crypto.wire import MESSAGE_VERSION, PreKeySignalMessage, SignalMessage
from notifybot.envelope import EnvelopeType
from notifybot.errors import EnvelopeError

#: How far ahead of its chain a message may be (keys derived and kept for the ones skipped).
MAX_FORWARD_JUMP = 2000
#: Keys of skipped messages kept per receiving chain (oldest dropped first).
MAX_SKIPPED_KEYS = 2000
#: Receiving chains kept per session (oldest dropped first).
MAX_RECEIVER_CHAINS = 5
#: Earlier sessions with the same device kept for messages still in flight.
MAX_ARCHIVED_STATES = 40


def _hkdf(ikm: bytes, info: bytes, length: int, salt: bytes | None = None) -> bytes:
    return HKDF(hashes.SHA256(), length, salt, info).derive(ikm)


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.digest(key, data, hashlib.sha256)


def _root_step(root_key: bytes, dh: bytes) -> tuple[bytes, bytes]:
    out = _hkdf(dh, b"WhisperRatchet", 64, salt=root_key)
    return out[:32], out[32:]


def _seed(chain_key: bytes) -> bytes:
    return _hmac(chain_key, b"\x01")


def _next(chain_key: bytes) -> bytes:
    return _hmac(chain_key, b"\x02")


def _message_keys(seed: bytes) -> tuple[bytes, bytes, bytes]:
    out = _hkdf(seed, b"WhisperMessageKeys", 80)
    return out[:32], out[32:64], out[64:]


def _first_keys(secrets: list[bytes]) -> tuple[bytes, bytes]:
    out = _hkdf(b"\xff" * 32 + b"".join(secrets), b"WhisperText", 64)
    return out[:32], out[32:]


def _hex_map(keys: dict[int, bytes]) -> dict[str, str]:
    return {str(i): k.hex() for i, k in keys.items()}


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
    #: Alice's X3DH base key: identifies the session (a replayed PreKey message finds it).
    base_key: bytes
    root_key: bytes = attrs.field(repr=False)
    sender_ratchet: KeyPair
    sender_chain_key: bytes = attrs.field(repr=False)
    sender_index: int = 0
    previous_counter: int = 0
    receivers: list[ReceiverChain] = attrs.field(factory=list)
    pending: PendingPreKey | None = None

    # -- sending ---------------------------------------------------------------------------

    def encrypt(self, plaintext: bytes) -> tuple[EnvelopeType, bytes]:
        """Encrypt and advance the sending chain."""
        cipher_key, mac_key, iv = _message_keys(_seed(self.sender_chain_key))
        padder = padding.PKCS7(128).padder()
        enc = Cipher(algorithms.AES(cipher_key), modes.CBC(iv)).encryptor()
        ciphertext = enc.update(padder.update(plaintext) + padder.finalize()) + enc.finalize()
        message = SignalMessage.build(
            mac_key=mac_key,
            sender_identity=self.local_identity,
            receiver_identity=self.remote_identity,
            ratchet_key=self.sender_ratchet.public,
            counter=self.sender_index,
            previous_counter=self.previous_counter,
            ciphertext=ciphertext,
        )
        self.sender_chain_key = _next(self.sender_chain_key)
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

        Raises :class:`EnvelopeError` (bad MAC, too far ahead, bad padding) or
        :class:`DuplicateMessage` (its key was already used).
        """
        counter = message.counter
        chain = self._receiver(message.ratchet_key)
        step: tuple[bytes, bytes, KeyPair, bytes] | None = None
        if chain is None:
            # A new ratchet key from the peer: a DH ratchet step (not applied yet).
            root, receive_key = _root_step(
                self.root_key, self.sender_ratchet.agree(message.ratchet_key)
            )
            new_ratchet = KeyPair.generate()
            root, send_key = _root_step(root, new_ratchet.agree(message.ratchet_key))
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
                raise EnvelopeError(f"message is over {MAX_FORWARD_JUMP} messages ahead")
            for i in range(index, counter):
                skipped.append((i, _seed(chain_key)))
                chain_key = _next(chain_key)
            seed = _seed(chain_key)
            chain_key, index = _next(chain_key), counter + 1

        cipher_key, mac_key, iv = _message_keys(seed)
        if not message.verify_mac(mac_key, self.remote_identity, self.local_identity):
            raise EnvelopeError("message authentication failed (bad MAC)")
        try:
            dec = Cipher(algorithms.AES(cipher_key), modes.CBC(iv)).decryptor()
            padded = dec.update(message.ciphertext) + dec.finalize()
            unpadder = padding.PKCS7(128).unpadder()
            plaintext = unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            raise EnvelopeError("message does not decrypt (bad padding or length)") from None

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
            "sr": self.sender_ratchet.private.hex(),
            "sc": self.sender_chain_key.hex(),
            "si": self.sender_index,
            "pc": self.previous_counter,
            "rc": [
                [c.ratchet_key.hex(), c.chain_key.hex(), c.index, _hex_map(c.skipped)]
                for c in self.receivers
            ],
            "p": None if p is None else [p.prekey_id, p.signed_prekey_id, p.base_key.hex()],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> SessionState:
        h = bytes.fromhex
        p = d["p"]
        return cls(
            local_identity=h(d["li"]),
            remote_identity=h(d["ri"]),
            local_registration_id=d["lr"],
            remote_registration_id=d["rr"],
            base_key=h(d["bk"]),
            root_key=h(d["rk"]),
            sender_ratchet=KeyPair.from_private(h(d["sr"])),
            sender_chain_key=h(d["sc"]),
            sender_index=d["si"],
            previous_counter=d["pc"],
            receivers=[
                ReceiverChain(h(rk), h(ck), i, {int(n): h(s) for n, s in sk.items()})
                for rk, ck, i, sk in d["rc"]
            ],
            pending=None if p is None else PendingPreKey(p[0], p[1], h(p[2])),
        )


def initiate(identity: KeyPair, registration_id: int, bundle: PreKeyBundle) -> SessionState:
    """Start a session with the device of ``bundle`` (X3DH as Alice); checks its signature."""
    bundle.signed_prekey.verify(bundle.identity_key)
    base = KeyPair.generate()
    signed = bundle.signed_prekey.public
    secrets = [identity.agree(signed), base.agree(bundle.identity_key), base.agree(signed)]
    otk = bundle.one_time_prekey
    if otk is not None:
        secrets.append(base.agree(otk.public))
    root, receive_key = _first_keys(secrets)
    ratchet = KeyPair.generate()
    root, send_key = _root_step(root, ratchet.agree(signed))
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
    base = message.base_key
    secrets = [
        signed_prekey.agree(message.identity_key),
        identity.agree(base),
        signed_prekey.agree(base),
    ]
    if one_time_prekey is not None:
        secrets.append(one_time_prekey.agree(base))
    root, send_key = _first_keys(secrets)
    return SessionState(
        local_identity=identity.public,
        remote_identity=message.identity_key,
        local_registration_id=registration_id,
        remote_registration_id=message.registration_id,
        base_key=base,
        root_key=root,
        sender_ratchet=signed_prekey,
        sender_chain_key=send_key,
    )


@attrs.define
class SessionRecord:
    """The sessions with one device: the current one, and archived ones (newest first)."""

    current: SessionState | None = None
    archived: list[SessionState] = attrs.field(factory=list)

    def has_base_key(self, base_key: bytes) -> bool:
        states = ([self.current] if self.current else []) + self.archived
        return any(same_key(s.base_key, base_key) for s in states)

    def promote(self, state: SessionState) -> None:
        """Make ``state`` current, archiving the previous current state."""
        if self.current is not None:
            self.archived.insert(0, self.current)
            del self.archived[MAX_ARCHIVED_STATES:]
        self.current = state

    def decrypt(self, message: SignalMessage) -> bytes:
        """Open with the current state, else an archived one (which then becomes current)."""
        duplicate: DuplicateMessage | None = None
        states = ([self.current] if self.current else []) + self.archived
        for n, state in enumerate(states):
            try:
                plaintext = state.decrypt(message)
            except DuplicateMessage as exc:
                duplicate = duplicate or exc
                continue
            except EnvelopeError:
                continue
            if state is not self.current:
                del self.archived[n - (self.current is not None)]
                self.promote(state)
            return plaintext
        if duplicate is not None:
            raise duplicate
        raise EnvelopeError("message does not open with any session with this device")

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
