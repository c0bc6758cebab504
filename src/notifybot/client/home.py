"""Where a terminal device keeps itself between runs: :class:`DeviceHome`.

One folder per device (default ``~/.notifybot/devices/NAME/``)::

    kek              32 random bytes, mode 0600: the key-encryption key
    device.sqlite3   keys, sessions, seen ids, relay credentials, conversation history,
                     every value sealed with AES-256-GCM under the KEK (keys and sessions by
                     the crypto layer's KeyStore, the rest here, the slot as associated data)
    device.log       the device's log (warnings about rejected or flagged envelopes, …)

The KEK file is the one secret in plaintext on disk; set ``NOTIFYBOT_DEVICE_KEK`` (64 hex
digits) to keep it elsewhere (then no ``kek`` file is written).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from notifybot.billing import parse_phone
from notifybot.client.device import Device
from notifybot.client.inbox import InboxMessage
from notifybot.clock import Clock, from_millis, to_millis
from notifybot.envelope import Button
from notifybot.errors import ConfigurationError
from notifybot.relay.client import DeviceCredentials, RelayClient
from notifybot.relay.errors import RelayRefused
from notifybot.relay.keyformat import keys_upload
from notifybot.store.sqlite import SQLiteStore

NS_CREDENTIALS = "client.credentials"
NS_HISTORY = "client.history"
NS_PUBLISHED = "client.keys_published"
KEK_ENV = "NOTIFYBOT_DEVICE_KEK"
_NONCE = 12


def default_data_dir(name: str) -> Path:
    """``~/.notifybot/devices/NAME`` (NAME made safe for a folder name)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "_"
    return Path.home() / ".notifybot" / "devices" / safe


class DeviceHome:
    """The folder of one terminal device: its KEK, its sealed store, its log."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self.store_path = self.path / "device.sqlite3"
        self.log_path = self.path / "device.log"
        self.kek_path = self.path / "kek"
        self.kek_source = ""  # where the KEK came from, for the user (set by load_kek)

    def load_kek(self) -> bytes:
        """The KEK from ``$NOTIFYBOT_DEVICE_KEK``, else the ``kek`` file (made if absent)."""
        env = os.environ.get(KEK_ENV)
        if env:
            try:
                kek = bytes.fromhex(env)
            except ValueError:
                kek = b""
            if len(kek) != 32:
                raise ConfigurationError(f"${KEK_ENV} must be 64 hex digits (32 bytes)")
            self.kek_source = f"${KEK_ENV}"
            return kek
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.kek_source = str(self.kek_path)
        if not self.kek_path.exists():
            fd = os.open(self.kek_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(os.urandom(32))
        kek = self.kek_path.read_bytes()
        if len(kek) != 32:
            raise ConfigurationError(f"{self.kek_path} does not hold a 32-byte key")
        return kek

    def store(self) -> SQLiteStore:
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        return SQLiteStore(self.store_path)


class Sealed:
    """Values in a store's key-value area sealed under a KEK (slot = associated data)."""

    def __init__(self, store: SQLiteStore, kek: bytes) -> None:
        self.store = store
        self._aead = AESGCM(kek)

    async def get(self, namespace: str, key: str) -> bytes | None:
        raw = await self.store.kv_get(namespace, key)
        if raw is None:
            return None
        try:
            return self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], f"{namespace}/{key}".encode())
        except InvalidTag:
            raise ConfigurationError(
                f"the device's stored {namespace} does not open with this key-encryption key"
            ) from None

    async def put(self, namespace: str, key: str, value: bytes) -> None:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, value, f"{namespace}/{key}".encode())
        await self.store.kv_put(namespace, key, nonce + sealed)


async def load_credentials(sealed: Sealed, relay_url: str) -> DeviceCredentials | None:
    """The credentials this device got from ``relay_url`` on an earlier run, if any."""
    raw = await sealed.get(NS_CREDENTIALS, relay_url.rstrip("/"))
    if raw is None:
        return None
    doc = json.loads(raw)
    return DeviceCredentials(doc["account"], int(doc["device_id"]), doc["token"])


async def save_credentials(sealed: Sealed, relay_url: str, creds: DeviceCredentials) -> None:
    doc = {"account": creds.account, "device_id": creds.device_id, "token": creds.token}
    await sealed.put(NS_CREDENTIALS, relay_url.rstrip("/"), json.dumps(doc).encode())


def _message_doc(m: InboxMessage) -> dict[str, object]:
    return {
        "id": m.message_id, "business": m.business_id, "direction": m.direction,
        "text": m.text, "at": to_millis(m.at),
        "buttons": [[b.label, b.url] for b in m.buttons], "template": m.template_id,
        "category": m.category, "status": m.status, "detail": m.detail,
    }  # fmt: skip


def _message_from(doc: dict[str, object]) -> InboxMessage:
    buttons = tuple(Button(str(b[0]), str(b[1])) for b in doc["buttons"])  # type: ignore[attr-defined]
    template, category = doc.get("template"), doc.get("category")
    return InboxMessage(
        message_id=str(doc["id"]), business_id=str(doc["business"]),
        direction="out" if doc["direction"] == "out" else "in", text=str(doc["text"]),
        at=from_millis(int(doc["at"])),  # type: ignore[call-overload]
        buttons=buttons, template_id=None if template is None else str(template),
        category=None if category is None else str(category), status=str(doc["status"]),
        detail=str(doc.get("detail", "")),
    )  # fmt: skip


class History:
    """The conversations shown on this device, kept sealed so a restart does not lose them.

    Keys sort in arrival order (``<sequence>``); the status of a message (``read``) is
    rewritten in place.
    """

    def __init__(self, sealed: Sealed) -> None:
        self._sealed = sealed
        self._slots: dict[str, str] = {}  # message id -> key

    async def load(self) -> list[InboxMessage]:
        out = []
        for key in sorted(await self._sealed.store.kv_keys(NS_HISTORY)):
            raw = await self._sealed.get(NS_HISTORY, key)
            if raw is not None:
                message = _message_from(json.loads(raw))
                self._slots[message.message_id] = key
                out.append(message)
        return out

    async def save(self, message: InboxMessage) -> None:
        key = self._slots.get(message.message_id)
        if key is None:
            key = self._slots[message.message_id] = f"{len(self._slots):012d}"
        await self._sealed.put(NS_HISTORY, key, json.dumps(_message_doc(message)).encode())


async def open_device(
    home: DeviceHome,
    relay_url: str,
    name: str,
    *,
    phone: str | None = None,
    locale: str | None = None,
    clock: Clock | None = None,
    one_time_prekeys: int = 20,
) -> tuple[Device, bool]:
    """Resume the device kept in ``home`` for ``relay_url``, or register a new one.

    Returns the device (not connected yet; ``auto_read`` off: a person reads) and whether it
    was registered now. The credentials are sealed before the keys are published, and the
    keys are published again on the next run if that step did not finish, so an interrupted
    first run resumes. Network failures raise ``ProviderUnavailable`` (retryable); a name
    taken on the relay raises :class:`AccountTaken`."""
    kek = home.load_kek()
    store = home.store()
    await store.open()
    sealed = Sealed(store, kek)
    try:
        creds = await load_credentials(sealed, relay_url)
        created = creds is None
        if creds is not None and creds.account != name:
            raise ConfigurationError(
                f"{home.path} holds the device of {creds.account!r}, not {name!r}; "
                "use another --data folder"
            )
        if creds is None:
            country = parse_phone(phone).country if phone is not None else None
            async with RelayClient(relay_url) as registrar:
                try:
                    creds = await registrar.register_device(name, 1, phone=phone, country=country)
                except RelayRefused as exc:
                    if exc.code in ("account_exists", "device_exists"):
                        raise AccountTaken(name, relay_url) from exc
                    raise
            await save_credentials(sealed, relay_url, creds)
        device = await Device.resume(
            relay_url, creds, store=store, kek=kek, clock=clock, locale=locale,
            auto_read=False, one_time_prekeys=one_time_prekeys,
        )  # fmt: skip
        published = relay_url.rstrip("/")
        if await store.kv_get(NS_PUBLISHED, published) is None:
            keys = await device.party.device_keys(one_time_prekeys)
            await device.client.upload_keys(**keys_upload(keys))
            await store.kv_put(NS_PUBLISHED, published, b"1")
        return device, created
    except BaseException:
        await store.close()
        raise


class AccountTaken(RelayRefused):
    """The relay already has this account, registered from another data folder."""

    def __init__(self, name: str, relay_url: str) -> None:
        super().__init__(
            409, "account_exists",
            f"the name {name!r} is taken on {relay_url} (by another device folder); "
            "choose another --name, or pass the --data folder that holds this device",
        )  # fmt: skip


__all__ = [
    "AccountTaken",
    "DeviceHome",
    "History",
    "Sealed",
    "default_data_dir",
    "load_credentials",
    "open_device",
    "save_credentials",
]
