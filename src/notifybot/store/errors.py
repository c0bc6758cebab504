"""Errors raised by the stores.

Per-write failures join the notifybot tree under :class:`StoreError`::

    NotifybotError
    └── StoreError
        ├── StoreUnavailable         retryable: the database is busy, locked or unreachable
        └── StoreIntegrityError      a write would break an invariant; nothing was written
            ├── DuplicateMessage     message id, idempotency key or ledger entry id reused
            └── ChargeMismatch       the ledger entry is not for the message being recorded

Programmer and deployment errors stay outside the tree: :class:`StoreClosed` (used before
``open()`` or after ``close()``), :class:`NaiveDatetime` (a datetime without a time zone) and
:class:`StoreSchemaError` (a database written by a newer notifybot).
"""

from __future__ import annotations

from notifybot.errors import ConfigurationError, NotifybotError


class StoreError(NotifybotError):
    """A store refused or failed a read or write."""

    code = "store_error"


class StoreUnavailable(StoreError):
    """The database is busy, locked or unreachable; the same call may succeed later."""

    code = "store_unavailable"
    retryable = True


class StoreIntegrityError(StoreError, ValueError):
    """A write would break a store invariant; it was rejected whole and nothing was written."""

    code = "store_integrity"


class DuplicateMessage(StoreIntegrityError):
    """``record_sent`` was given a message id, idempotency key or ledger entry id already used.

    ``field`` names which one (``"message_id"``, ``"idempotency_key"`` or ``"entry_id"``) and
    ``value`` is the reused value.
    """

    code = "duplicate_message"

    def __init__(self, field: str, value: str) -> None:
        self.field = field
        self.value = value
        super().__init__(f"{field} {value!r} already recorded; nothing was written")


class ChargeMismatch(StoreIntegrityError):
    """The ledger entry given to ``record_sent`` names a different message."""

    code = "charge_mismatch"

    def __init__(self, message_id: str, charge_message_id: str) -> None:
        self.message_id = message_id
        self.charge_message_id = charge_message_id
        super().__init__(
            f"ledger entry is for message {charge_message_id!r}, not {message_id!r}; "
            "nothing was written"
        )


class StoreClosed(RuntimeError):
    """The store was used before ``open()`` or after ``close()`` (a programmer error)."""


class NaiveDatetime(ValueError):
    """A datetime without a time zone was given; stores keep instants, in UTC."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} must be an aware datetime (use tzinfo=UTC)")


class StoreSchemaError(ConfigurationError):
    """The database's schema is newer than this notifybot knows, or could not be migrated."""
