"""The notifybot exception tree.

Every failure a caller can act on is one of these. Permanent refusals (do not retry: the same
message would be refused again) live apart from retryable delivery failures::

    NotifybotError
    ├── Refusal                      permanent: the message is not sent, nothing is charged
    │   ├── PolicyViolation          promotional content (carries the explained Verdict)
    │   ├── ConsentRefusal
    │   │   ├── NotOptedIn           the customer never contacted the business / no opt-in
    │   │   ├── RecipientOptedOut    the customer sent STOP (or was opted out)
    │   │   └── RecipientBlocked     the customer blocked the business
    │   ├── OutsideSessionWindow     free-form text, or a category not allowed, after 24 h
    │   ├── TemplateError
    │   │   ├── UnknownTemplate      no such template (or locale variant)
    │   │   ├── MissingVariable      a variable the template uses was not given
    │   │   └── TemplateSyntaxError  the template does not parse
    │   ├── UnknownRecipient         no such customer
    │   ├── InvalidPhoneNumber       not a valid E.164 number
    │   ├── HandlerFailed            a bot developer's handler raised; the cause is chained
    │   └── MessageExpired           its time to live ran out before it could be handed over
    ├── TransportError               retryable: the message may be sent again later
    │   ├── RateLimited              with ``retry_after`` seconds
    │   └── ProviderUnavailable      the transport or provider is down / timed out
    ├── EnvelopeError                malformed or tampered envelope (never half-opened)
    └── CryptoError                  session and key failures (see ``notifybot.crypto``)

Programmer errors are outside the tree: ``ConfigurationError`` (bad set-up, a handler whose
signature cannot be filled, a promotional template found at start-up) subclasses
``ValueError`` so it is never mistaken for a per-message refusal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notifybot.policy import Verdict


class NotifybotError(Exception):
    """Base of every per-message error notifybot raises or returns."""

    #: A stable, machine-readable code (used in JSON errors and logs).
    code: str = "notifybot_error"
    #: Whether sending the same message again later may succeed.
    retryable: bool = False


class Refusal(NotifybotError):
    """A permanent refusal: the message was not sent and nothing was charged."""

    code = "refused"


class PolicyViolation(Refusal):
    """The content is promotional (or otherwise not allowed); ``verdict`` explains why."""

    code = "policy_violation"

    def __init__(self, verdict: Verdict, *, where: str = "") -> None:
        self.verdict = verdict
        self.where = where
        reasons = "; ".join(str(r) for r in verdict.reasons) or "not allowed"
        prefix = f"{where}: " if where else ""
        super().__init__(f"{prefix}{verdict.category} content refused: {reasons}")


class ConsentRefusal(Refusal):
    """The recipient has not given, or has withdrawn, consent to be messaged."""

    code = "consent"

    def __init__(self, customer_id: str, detail: str = "") -> None:
        self.customer_id = customer_id
        msg = f"customer {customer_id!r}"
        super().__init__(f"{msg}: {detail}" if detail else msg)


class NotOptedIn(ConsentRefusal):
    """The customer never contacted the business and there is no recorded opt-in."""

    code = "not_opted_in"


class RecipientOptedOut(ConsentRefusal):
    """The customer opted out (for example by sending STOP)."""

    code = "opted_out"


class RecipientBlocked(ConsentRefusal):
    """The customer blocked the business."""

    code = "blocked"


class OutsideSessionWindow(Refusal):
    """Outside the 24-hour window only templates of an allowed category may be sent."""

    code = "outside_window"


class TemplateError(Refusal):
    """A template could not be found or rendered."""

    code = "template_error"

    def __init__(self, message: str, *, template: str | None = None) -> None:
        self.template = template
        super().__init__(message)


class UnknownTemplate(TemplateError):
    """No template (or locale variant) by that name."""

    code = "unknown_template"


class MissingVariable(TemplateError):
    """The template uses a variable that was not supplied."""

    code = "missing_variable"

    def __init__(self, variable: str, *, template: str) -> None:
        self.variable = variable
        super().__init__(
            f"template {template!r} uses variable {variable!r}, which was not given",
            template=template,
        )


class TemplateSyntaxError(TemplateError):
    """The template source does not parse."""

    code = "template_syntax"


class UnknownRecipient(Refusal):
    """No customer with that id is known to the business."""

    code = "unknown_recipient"

    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        super().__init__(f"unknown customer {customer_id!r}")


class InvalidPhoneNumber(Refusal):
    """A phone number that is not a valid E.164 number."""

    code = "invalid_phone_number"


class HandlerFailed(Refusal):
    """A bot developer's handler raised; the original exception is ``__cause__``."""

    code = "handler_failed"

    def __init__(self, handler: str, cause: BaseException) -> None:
        self.handler = handler
        super().__init__(f"handler {handler!r} raised {type(cause).__name__}: {cause}")


class MessageExpired(Refusal):
    """The message's time to live (``ttl=``) ran out before the transport could take it."""

    code = "expired"


class TransportError(NotifybotError):
    """Delivery failed in a way that may succeed later."""

    code = "transport_error"
    retryable = True


class RateLimited(TransportError):
    """The transport asked us to slow down for ``retry_after`` seconds."""

    code = "rate_limited"

    def __init__(self, retry_after: float, message: str = "") -> None:
        self.retry_after = retry_after
        super().__init__(message or f"rate limited; retry after {retry_after:g}s")


class ProviderUnavailable(TransportError):
    """The transport or provider could not be reached or timed out."""

    code = "provider_unavailable"


class EnvelopeError(NotifybotError):
    """An envelope is malformed or has been tampered with; it is rejected whole."""

    code = "bad_envelope"


class CryptoError(NotifybotError):
    """Base of the end-to-end encryption errors (see ``notifybot.crypto``)."""

    code = "crypto_error"


class ConfigurationError(ValueError):
    """A programmer error in how notifybot is set up (not a per-message refusal)."""
