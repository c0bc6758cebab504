"""Router: registration, signature checks, filters, nesting, declarative construction."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from notifybot import Bot, BusinessProfile, ConfigurationError, Context, Notify, Router
from notifybot.clock import ManualClock
from notifybot.results import InboundMessage
from notifybot.router import Handler
from notifybot.testing import FakeCustomer

PROFILE = BusinessProfile(name="Test Air", website="https://air.example")
TEMPLATES = {"ping": "Ping {{ n }}"}


def make_bot(clock: ManualClock, **options: Any) -> Bot:
    return Bot(PROFILE, templates=TEMPLATES, clock=clock, business_id="test-air", **options)


# decorators return the function unchanged ------------------------------------------------
def test_decorators_return_the_function_unchanged() -> None:
    router = Router()

    def on_msg(text: str) -> str:
        return text.upper()

    def on_status(status: str) -> None: ...

    def on_block(customer_id: str, blocked: bool) -> None: ...

    def on_error(error: Exception) -> None: ...

    def notification(event: Any) -> Notify:
        return Notify("c", {"n": event})

    assert router.on_message()(on_msg) is on_msg
    assert router.on_status()(on_status) is on_status
    assert router.on_block()(on_block) is on_block
    assert router.on_error()(on_error) is on_error
    assert router.notification("ping")(notification) is notification
    assert on_msg("hi") == "HI"  # still a plain function
    assert [h.callback for h in router.message.handlers] == [on_msg]
    assert router.notifications["ping"].callback is notification


def test_bare_decorator_fails_fast_at_start() -> None:
    """``@router.on_status`` without parentheses registers nothing; start-up says so."""
    router = Router()

    def on_status(status: str) -> None: ...

    router.on_status(on_status)  # what '@router.on_status' does
    assert router.status.handlers == []
    with pytest.raises(ConfigurationError, match="parentheses"):
        router.check_applied()
    # the normal, applied form passes the check
    ok = Router()
    ok.on_status(lambda update: True)(on_status)
    ok.check_applied()
    assert [h.callback for h in ok.status.handlers] == [on_status]


# signature checks --------------------------------------------------------------------------
def test_unfillable_parameter_is_configuration_error_naming_it() -> None:
    router = Router()

    def handler(text: str, seat_number: str) -> None: ...

    with pytest.raises(ConfigurationError, match="seat_number"):
        router.on_message()(handler)
    assert router.message.handlers == []


def test_unfillable_notification_parameter_is_refused() -> None:
    router = Router()

    def handler(event: Any, passenger: Any) -> Notify:
        raise AssertionError

    with pytest.raises(ConfigurationError, match="passenger"):
        router.notification("ping")(handler)
    assert "ping" not in router.notifications


def test_positional_only_parameter_is_refused() -> None:
    def handler(text: str, /) -> None: ...

    with pytest.raises(ConfigurationError, match="positional-only"):
        Router().on_message()(handler)


def test_parameter_with_default_is_allowed_and_keeps_its_default() -> None:
    seen: list[Any] = []

    def handler(text: str, extra: str = "default") -> None:
        seen.append((text, extra))

    Router().on_message()(handler)  # no error
    assert Handler(handler).callback is handler


async def test_defaults_kwargs_and_keyword_only_are_filled(clock: ManualClock) -> None:
    seen: dict[str, Any] = {}

    async def handler(*, text: str, limit: int = 3, **rest: Any) -> None:
        seen.update(text=text, limit=limit, rest=sorted(rest))

    bot = make_bot(clock, on_message=[handler])
    async with bot:
        await FakeCustomer(bot, "c1").send("hello")
    rest = ["bot", "ctx", "customer", "customer_id", "message"]
    assert seen == {"text": "hello", "limit": 3, "rest": rest}


def test_not_callable_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        Router().message.register("not a function")  # type: ignore[type-var]


def test_partial_with_unfillable_parameter_is_configuration_error() -> None:
    def handler(text: str, seat: str, gate: str) -> None: ...

    with pytest.raises(ConfigurationError, match="gate"):
        Router().on_message()(functools.partial(handler, seat="1A"))


def test_filter_provides_makes_a_parameter_fillable() -> None:
    def flt(message: InboundMessage) -> dict[str, str]:
        return {"pnr": "ABC123"}

    flt.provides = ("pnr",)  # type: ignore[attr-defined]

    def handler(pnr: str) -> None: ...

    router = Router()
    assert router.on_message(flt)(handler) is handler
    with pytest.raises(ConfigurationError, match="pnr"):
        router.on_message()(handler)  # the same handler without the filter


# filters and dispatch ----------------------------------------------------------------------
def starts_with(prefix: str) -> Callable[[InboundMessage], bool]:
    def flt(message: InboundMessage) -> bool:
        return message.text.lower().startswith(prefix)

    return flt


async def test_first_matching_on_message_handler_wins(clock: ManualClock) -> None:
    calls: list[str] = []
    router = Router()

    @router.on_message(starts_with("zzz"))
    def never(text: str) -> None:
        calls.append("never")

    @router.on_message(starts_with("bag"))
    def bags(text: str) -> None:
        calls.append("bags")

    @router.on_message()
    def fallback(text: str) -> None:
        calls.append("fallback")

    bot = make_bot(clock, routers=[router])
    async with bot:
        alice = FakeCustomer(bot, "alice")
        await alice.send("baggage?")
        await alice.send("hello")
    assert calls == ["bags", "fallback"]


async def test_own_handlers_run_before_nested_routers(clock: ManualClock) -> None:
    calls: list[str] = []
    inner = Router(name="inner")
    bot = make_bot(clock)

    @inner.on_message()
    def nested(text: str) -> None:
        calls.append("nested")

    bot.include_router(inner)

    @bot.on_message()
    def own(text: str) -> None:
        calls.append("own")

    async with bot:
        await FakeCustomer(bot, "c").send("hi")
    assert calls == ["own"]


async def test_deeply_nested_router_handlers_are_found(clock: ManualClock) -> None:
    calls: list[tuple[str, str]] = []
    a, b, c = Router(name="a"), Router(name="b"), Router(name="c")
    a.include_router(b)
    b.include_router(c)

    @c.on_message()
    def deep(text: str) -> None:
        calls.append(("message", text))

    @c.on_block()
    def blocked(customer_id: str, blocked: bool) -> None:
        calls.append(("block", customer_id))

    @c.notification("ping")
    def ping(event: int) -> Notify:
        return Notify("c1", {"n": event})

    bot = make_bot(clock, routers=[a])
    async with bot:
        cust = FakeCustomer(bot, "c1")
        await cust.send("hello")
        result = await bot.notify("ping", 7)
        await cust.block()
    assert result.ok, result
    assert cust.texts == ["Ping 7"]
    assert calls == [("message", "hello"), ("block", "c1")]


async def test_filter_dict_enriches_handler_arguments(clock: ManualClock) -> None:
    seen: list[tuple[str, str]] = []

    def pnr_filter(message: InboundMessage) -> dict[str, str] | None:
        words = message.text.split()
        return {"pnr": words[1], "verb": words[0]} if len(words) == 2 else None

    pnr_filter.provides = ("pnr", "verb")  # type: ignore[attr-defined]

    async def async_filter(message: InboundMessage) -> bool:
        return message.text.isupper()

    bot = make_bot(clock)

    @bot.on_message(async_filter, pnr_filter)
    def handler(pnr: str, verb: str) -> None:
        seen.append((verb, pnr))

    async with bot:
        cust = FakeCustomer(bot, "c")
        await cust.send("STATUS ABC123")
        await cust.send("status abc123")  # async filter rejects (not upper case)
        await cust.send("ONE TWO THREE")  # dict filter rejects
    assert seen == [("STATUS", "ABC123")]


async def test_filter_returning_empty_dict_is_a_match(clock: ManualClock) -> None:
    seen: list[str] = []
    bot = make_bot(clock)

    @bot.on_message(lambda message: {})
    def handler(text: str) -> None:
        seen.append(text)

    async with bot:
        await FakeCustomer(bot, "c").send("hello")
    assert seen == ["hello"]


async def test_status_filters_select_handlers(clock: ManualClock) -> None:
    from notifybot.transports.base import StatusUpdate

    seen: list[str] = []
    bot = make_bot(clock)

    @bot.on_status(lambda update: update.status == "read")
    def read(message_id: str) -> None:
        seen.append("read:" + message_id)

    @bot.on_status()
    def any_status(status: str) -> None:
        seen.append("any:" + status)

    async with bot:
        await bot.receive_status(StatusUpdate("m1", "c", "delivered", 0))
        await bot.receive_status(StatusUpdate("m2", "c", "read", 0))
    # every matching status handler runs (unlike on_message: first match wins)
    assert seen == ["any:delivered", "read:m2", "any:read"]


# duplicates and cycles ---------------------------------------------------------------------
def test_duplicate_notification_in_one_router_is_refused() -> None:
    router = Router()
    router.notification("ping")(lambda event: Notify("c"))
    with pytest.raises(ConfigurationError, match="ping"):
        router.notification("ping")(lambda event: Notify("c"))


async def test_duplicate_notification_across_routers_fails_at_start(clock: ManualClock) -> None:
    a, b = Router(name="a"), Router(name="b")
    a.notification("ping")(lambda event: Notify("c"))
    b.notification("ping")(lambda event: Notify("c"))
    bot = make_bot(clock, routers=[a, b])
    with pytest.raises(ConfigurationError, match="ping"):
        await bot.start()


def test_ttl_must_be_positive() -> None:
    with pytest.raises(ConfigurationError, match="ttl"):
        Router().notification("ping", ttl=0)(lambda event: Notify("c"))


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_include_router_cycles_are_refused(depth: int) -> None:
    chain = [Router(name=f"r{i}") for i in range(depth + 1)]
    for parent, child in itertools.pairwise(chain):
        parent.include_router(child)
    with pytest.raises(ConfigurationError):
        chain[-1].include_router(chain[0])
    assert chain[-1].sub_routers == []
    assert len(list(chain[0].walk())) == depth + 1


def test_include_router_returns_the_router() -> None:
    parent, child = Router(), Router()
    assert parent.include_router(child) is child


# declarative construction ------------------------------------------------------------------
def _handlers(log: list[str]) -> dict[str, Any]:
    def pong(event: int) -> Notify:
        return Notify("c1", {"n": event})

    def on_msg(text: str, ctx: Context) -> None:
        if text == "boom":
            raise RuntimeError("handler failed")
        log.append("message:" + text)

    def on_status(status: str) -> None:
        log.append("status:" + status)

    def on_block(customer_id: str, blocked: bool) -> None:
        log.append(f"block:{customer_id}:{blocked}")

    def on_error(error: Exception) -> None:
        log.append("error:" + type(error).__name__)

    nested = Router(name="nested")
    nested.notification("ping")(lambda event: Notify("c1", {"n": event * 10}))
    return {
        "pong": pong,
        "on_msg": on_msg,
        "on_status": on_status,
        "on_block": on_block,
        "on_error": on_error,
        "nested": nested,
    }


async def _run_scenario(bot: Bot) -> list[str]:
    from notifybot.transports.base import StatusUpdate

    async with bot:
        cust = FakeCustomer(bot, "c1")
        await cust.send("boom")
        await cust.send("hello")
        pong = await bot.notify("pong", 3)
        ping = await bot.notify("ping", 4)
        assert pong.ok and ping.ok, (pong, ping)
        await bot.receive_status(StatusUpdate(pong.message_id, "c1", "read", 0))
        await cust.block()
        return cust.texts


async def test_declarative_construction_behaves_like_decorators(clock: ManualClock) -> None:
    bot_templates = {"ping": "Ping {{ n }}", "pong": "Pong {{ n }}"}
    log_a: list[str] = []
    h = _handlers(log_a)
    declarative = Bot(
        PROFILE,
        templates=bot_templates,
        clock=clock,
        notifications={"pong": h["pong"]},
        on_message=[h["on_msg"]],
        on_status=[h["on_status"]],
        on_block=[h["on_block"]],
        on_error=[h["on_error"]],
        routers=[h["nested"]],
    )
    texts_a = await _run_scenario(declarative)

    log_b: list[str] = []
    h = _handlers(log_b)
    decorated = Bot(PROFILE, templates=bot_templates, clock=ManualClock())
    decorated.notification("pong")(h["pong"])
    decorated.on_message()(h["on_msg"])
    decorated.on_status()(h["on_status"])
    decorated.on_block()(h["on_block"])
    decorated.on_error()(h["on_error"])
    decorated.include_router(h["nested"])
    texts_b = await _run_scenario(decorated)

    assert texts_a == texts_b == ["Pong 3", "Ping 40"]
    expected = ["error:HandlerFailed", "message:hello", "status:read", "block:c1:True"]
    assert log_a == log_b == expected


def test_declarative_construction_checks_signatures(clock: ManualClock) -> None:
    def bad(text: str, unknown: int) -> None: ...

    with pytest.raises(ConfigurationError, match="unknown"):
        make_bot(clock, on_message=[bad])
    with pytest.raises(ConfigurationError, match="'text'"):  # notifications get no text
        make_bot(clock, notifications={"ping": bad})
