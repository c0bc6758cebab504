"""Instants as stores keep them: aware datetimes in, exact integer microseconds on disk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notifybot.store.errors import NaiveDatetime

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


def require_aware(value: datetime, what: str) -> datetime:
    """Return ``value`` if it carries a time zone, else raise :class:`NaiveDatetime`."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetime(what)
    return value


def to_micros(value: datetime, what: str = "datetime") -> int:
    """Microseconds since the Unix epoch (exact integer arithmetic, no float rounding)."""
    return (require_aware(value, what) - _EPOCH) // _MICRO


def from_micros(micros: int) -> datetime:
    """The aware UTC datetime for ``micros`` since the epoch (inverse of :func:`to_micros`)."""
    return _EPOCH + timedelta(microseconds=micros)
