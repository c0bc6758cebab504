"""Handler registration: a ``Router`` holds one observer per event kind.

Decorators call ``register()`` and return the function unchanged, so handlers stay plain
functions that tests can call directly. Routers nest with ``include_router``. Handler
signatures are checked at registration: a parameter that nothing can fill is a
``ConfigurationError`` at start-up, never a silent ``None``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import attrs

from notifybot.errors import ConfigurationError, HandlerFailed
from notifybot.results import check_ttl

F = TypeVar("F", bound=Callable[..., Any])

#: A filter gets the event and returns False/None (no match), True, or a dict of extra
#: arguments for the handler. Filters that return dicts declare their keys in ``provides``.
FilterResult = bool | Mapping[str, Any] | None
Filter = Callable[..., FilterResult | Awaitable[FilterResult]]


@attrs.frozen
class Handler:
    """A registered handler: the function, its filters, its metadata flags."""

    callback: Callable[..., Any]
    filters: tuple[Filter, ...] = ()
    flags: Mapping[str, Any] = attrs.field(factory=dict)
    #: The parameter names it takes (None: it takes ``**kwargs``), read once.
    params: frozenset[str] | None = attrs.field(init=False)

    @params.default
    def _params(self) -> frozenset[str] | None:
        params = inspect.signature(self.callback).parameters.values()
        if any(p.kind is p.VAR_KEYWORD for p in params):
            return None
        return frozenset(p.name for p in params)

    @property
    def name(self) -> str:
        return _name_of(self.callback)

    async def match(self, event: Any) -> dict[str, Any] | None:
        """Run the filters; None if one rejects, else the extra arguments they supplied."""
        extra: dict[str, Any] = {}
        for flt in self.filters:
            try:
                result = flt(event)
                if inspect.isawaitable(result):
                    result = await result
            except Exception as exc:
                raise HandlerFailed(f"{self.name} (filter {_name_of(flt)})", exc) from exc
            if result is None or result is False:
                return None
            if isinstance(result, Mapping):
                extra.update(result)
        return extra

    async def call(self, available: Mapping[str, Any]) -> Any:
        """Call with the parameters it names, taken from ``available``."""
        if self.params is None:
            kwargs = dict(available)
        else:
            kwargs = {k: v for k, v in available.items() if k in self.params}
        try:
            result = self.callback(**kwargs)
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:
            raise HandlerFailed(self.name, exc) from exc
        return result


def _name_of(fn: Any) -> str:
    return str(getattr(fn, "__qualname__", None) or repr(fn))


def _provided_by(filters: Iterable[Filter]) -> set[str]:
    names: set[str] = set()
    for flt in filters:
        names.update(getattr(flt, "provides", ()))
    return names


class Observer:
    """The handlers for one kind of event, with the parameter names it can fill."""

    def __init__(self, kind: str, injectable: Iterable[str]) -> None:
        self.kind = kind
        self.injectable = frozenset(injectable)
        self.handlers: list[Handler] = []
        self._unapplied: dict[Callable[..., Any], str] = {}

    def register(self, callback: F, *filters: Filter, **flags: Any) -> F:
        """Check ``callback``'s signature and add it; returns it unchanged."""
        if not callable(callback):
            raise ConfigurationError(f"{self.kind} handler {callback!r} is not callable")
        name = _name_of(callback)
        fillable = self.injectable | _provided_by(filters)
        for param in inspect.signature(callback).parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            if param.kind is param.POSITIONAL_ONLY:
                raise ConfigurationError(
                    f"{self.kind} handler {name}: parameters are filled by "
                    f"name; {param.name!r} is positional-only"
                )
            if param.name not in fillable and param.default is param.empty:
                raise ConfigurationError(
                    f"{self.kind} handler {name} has parameter "
                    f"{param.name!r}, which nothing fills; available: {sorted(fillable)}"
                )
        self.handlers.append(Handler(callback, tuple(filters), dict(flags)))
        return callback

    def __call__(self, *filters: Filter, **flags: Any) -> Callable[[F], F]:
        # ``@router.on_status`` written without parentheses would pass the handler here as a
        # filter and never register it; such a decorator is never applied, which
        # ``check_applied`` reports at start-up.
        def decorator(callback: F) -> F:
            self._unapplied.pop(decorator, None)
            return self.register(callback, *filters, **flags)

        if filters:
            self._unapplied[decorator] = ", ".join(_name_of(f) for f in filters)
        return decorator

    def check_applied(self) -> None:
        """Fail if a decorator was made but never applied (a bare ``@router.on_…``)."""
        if self._unapplied:
            names = "; ".join(self._unapplied.values())
            raise ConfigurationError(
                f"@on_{self.kind}(...) was given {names} but never applied to a handler: "
                f"write @on_{self.kind}() with parentheses"
            )


MESSAGE_ARGS = ("message", "text", "customer", "customer_id", "ctx", "bot")
STATUS_ARGS = ("update", "status", "message_id", "customer_id", "bot")
BLOCK_ARGS = ("customer_id", "blocked", "source", "bot")
ERROR_ARGS = ("error", "event", "bot")
NOTIFICATION_ARGS = ("event", "bot", "now")


class Router:
    """Holds handlers by kind; routers nest."""

    def __init__(self, *, name: str = "router") -> None:
        self.name = name
        self.message = Observer("message", MESSAGE_ARGS)
        self.status = Observer("status", STATUS_ARGS)
        self.block = Observer("block", BLOCK_ARGS)
        self.errors = Observer("errors", ERROR_ARGS)
        self.notifications: dict[str, Handler] = {}
        self.sub_routers: list[Router] = []

    # decorators --------------------------------------------------------------------------
    def on_message(self, *filters: Filter, **flags: Any) -> Callable[[F], F]:
        """Handle inbound customer messages that pass every filter."""
        return self.message(*filters, **flags)

    def on_status(self, *filters: Filter, **flags: Any) -> Callable[[F], F]:
        """Handle delivery / read status updates."""
        return self.status(*filters, **flags)

    def on_block(self, *filters: Filter, **flags: Any) -> Callable[[F], F]:
        """Handle a customer blocking or unblocking the business."""
        return self.block(*filters, **flags)

    def on_error(self, *filters: Filter, **flags: Any) -> Callable[[F], F]:
        """Handle errors raised while handling inbound events."""
        return self.errors(*filters, **flags)

    def notification(
        self, template: str, *, category: str = "utility", ttl: float | None = None, **flags: Any
    ) -> Callable[[F], F]:
        """Register a function that turns a domain event into a :class:`~notifybot.Notify`.

        ``template`` names the template (and the notification); ``category`` and ``ttl``
        are metadata the pipeline reads. ``ttl`` is how many seconds a message stays
        deliverable: its envelope carries the expiry (sealed with it), the relay drops it
        undelivered once that has passed (the bot gets an ``expired`` status), and a device
        does not show it if it arrives later. ``Notify(ttl=...)`` overrides it per message.
        """

        def decorator(callback: F) -> F:
            return self.register_notification(
                template, callback, category=category, ttl=ttl, **flags
            )

        return decorator

    def register_notification(
        self,
        template: str,
        callback: F,
        *,
        category: str = "utility",
        ttl: float | None = None,
        **flags: Any,
    ) -> F:
        """The non-decorator form of :meth:`notification`."""
        if template in self.notifications:
            raise ConfigurationError(f"notification {template!r} is registered twice")
        check_ttl(ttl, f"notification {template!r}")
        probe = Observer(f"notification {template!r}", NOTIFICATION_ARGS)
        probe.register(callback)
        self.notifications[template] = Handler(
            callback, (), {"category": category, "ttl": ttl, "template": template, **flags}
        )
        return callback

    def include_router(self, router: Router) -> Router:
        """Nest ``router``: its handlers run after this router's own."""
        if router is self or self in router.walk():
            raise ConfigurationError("a router cannot include itself")
        self.sub_routers.append(router)
        return router

    # lookup ------------------------------------------------------------------------------
    def walk(self) -> Iterator[Router]:
        yield self
        for sub in self.sub_routers:
            yield from sub.walk()

    def check_applied(self) -> None:
        """Fail fast on a decorator written without parentheses (see ``Observer``)."""
        for router in self.walk():
            for observer in (router.message, router.status, router.block, router.errors):
                observer.check_applied()

    def handlers(self, kind: str) -> Iterator[Handler]:
        for router in self.walk():
            yield from getattr(router, kind).handlers

    def all_notifications(self) -> dict[str, Handler]:
        found: dict[str, Handler] = {}
        for router in self.walk():
            for name, handler in router.notifications.items():
                if name in found:
                    raise ConfigurationError(f"notification {name!r} is registered twice")
                found[name] = handler
        return found
