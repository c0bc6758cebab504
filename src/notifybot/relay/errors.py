"""Relay errors: the JSON error of the HTTP API, and its mapping to the notifybot tree.

On the server, handlers raise :class:`ApiError` (an HTTP status plus a stable ``code``); the
error middleware renders it as ``{"error": {"code": ..., "message": ...}}``. On the client,
:func:`error_for` turns such a reply back into the typed error a caller can act on::

    429 rate_limited               -> RateLimited(retry_after)          (retryable)
    5xx, connection errors         -> ProviderUnavailable               (retryable)
    blocked                        -> RecipientBlocked
    bad_envelope, plaintext_refused, sender_mismatch -> EnvelopeError
    template_not_approved          -> UnknownTemplate
    outside_window                 -> OutsideSessionWindow
    expired                        -> MessageExpired
    unknown_device, unknown_address -> UnknownRecipient
    401 / 403 and everything else  -> RelayRefused (a Refusal carrying status and code)
"""

from __future__ import annotations

from notifybot.errors import (
    EnvelopeError,
    MessageExpired,
    NotifybotError,
    OutsideSessionWindow,
    ProviderUnavailable,
    RateLimited,
    RecipientBlocked,
    Refusal,
    UnknownRecipient,
    UnknownTemplate,
)


class ApiError(NotifybotError):
    """Raised by relay handlers; rendered as a JSON error with ``status`` and ``code``."""

    def __init__(
        self, status: int, code: str, message: str, *, retry_after: float | None = None
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after
        super().__init__(f"{status} {code}: {message}")

    def to_json(self) -> dict[str, object]:
        err: dict[str, object] = {"code": self.code, "message": self.message}
        if self.retry_after is not None:
            err["retry_after"] = self.retry_after
        return {"error": err}


class RelayRefused(Refusal):
    """The relay refused a request for a reason with no more specific notifybot error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        super().__init__(f"relay refused ({status} {code}): {message}")


class RelayUnauthorized(RelayRefused):
    """The token is missing, unknown, or not allowed to do this (401 / 403)."""


_ENVELOPE_CODES = frozenset({"bad_envelope", "plaintext_refused", "sender_mismatch"})


def error_for(
    status: int,
    code: str,
    message: str,
    *,
    retry_after: float | None = None,
    customer: str = "",
) -> NotifybotError:
    """The typed error for a relay error reply (see the table in the module docstring)."""
    if status == 429 or code == "rate_limited":
        return RateLimited(retry_after if retry_after is not None else 1.0, message)
    if status >= 500:
        return ProviderUnavailable(f"relay error {status} {code}: {message}")
    if code == "blocked":
        return RecipientBlocked(customer or "?", message)
    if code in _ENVELOPE_CODES:
        return EnvelopeError(f"{code}: {message}")
    if code == "template_not_approved":
        return UnknownTemplate(message)
    if code == "outside_window":
        return OutsideSessionWindow(message)
    if code == "expired":
        return MessageExpired(message)
    if code in ("unknown_device", "unknown_address"):
        return UnknownRecipient(customer or message)
    if status in (401, 403):
        return RelayUnauthorized(status, code, message)
    return RelayRefused(status, code, message)
