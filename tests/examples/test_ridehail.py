"""The ride-hail and parcel example, through every gate."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from examples.ridehail.bot import TEMPLATES, build_bot, classify, notification_for, notify_event
from examples.ridehail.events import (
    Delivered,
    DeliveryAttemptFailed,
    Driver,
    DriverArriving,
    DriverAssigned,
    Fare,
    InvalidEvent,
    OutForDelivery,
    ParcelShipped,
    TripCompleted,
)
from examples.ridehail.formatting import format_distance, format_money

from notifybot import (
    Bot,
    ConfigurationError,
    HandlerFailed,
    NotOptedIn,
    OutsideSessionWindow,
    PolicyViolation,
    RecipientBlocked,
    Templates,
)
from notifybot.billing import PriceBookSet, quote
from notifybot.policy import check
from notifybot.relay.business import template_submission
from notifybot.relay.conformance import match_template
from notifybot.relay.review import review_template
from notifybot.testing import FakeCustomer, ManualClock, capture_notifications

SOFIA = "cust-sofia"
MX_PHONE = "+525512345678"
ES_PHONE = "+34612345678"
DRIVER = Driver("Carlos", "Nissan Versa", "grey", "MXP-482-B")
PICKUP = "Av. Paseo de la Reforma 222"
# 35.00 + 1,020.50 + 40.25 + 23.00 = 1,118.75 MXN: exercises grouping and every part.
FARE = Fare("MXN", base=3500, distance=102050, time=4025, tolls=2300, total=111875)


def receipt(customer: str = SOFIA, number: str = "RC-917") -> TripCompleted:
    return TripCompleted(customer, "TR-1", FARE, 12_350, 27, "4242", number)


def assigned(customer: str = SOFIA, trip: str = "TR-1") -> DriverAssigned:
    return DriverAssigned(customer, trip, DRIVER, 4, PICKUP)


@pytest.fixture
async def bot(clock: ManualClock) -> Bot:
    bot = build_bot(clock=clock)
    await bot.start()
    return bot


# consent and the window ------------------------------------------------------------------
async def test_customer_who_never_wrote_gets_nothing(bot: Bot) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE)
    await sofia.register()
    result = await bot.notify("driver_assigned", assigned())
    assert not result.ok
    assert isinstance(result.error, NotOptedIn)
    assert sofia.received == []
    assert await bot.store.ledger() == []


async def test_ride_inside_window_is_free_and_links_to_own_trip(bot: Bot) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE, locale="en")
    await sofia.send("hi")
    for name, event in [
        ("driver_assigned", assigned()),
        ("driver_arriving", DriverArriving(SOFIA, "TR-1", DRIVER, PICKUP)),
        ("trip_receipt_tolls", receipt()),  # the fare has tolls
    ]:
        assert notification_for(event) == name
        result = await notify_event(bot, event)
        assert result.ok, result
        assert not result.billable and result.price_micros == 0 and result.in_window
        assert sofia.received[-1].template_id == name
    assigned_msg = sofia.received[-3]
    assert "Carlos" in assigned_msg.text and "MXP-482-B" in assigned_msg.text
    assert "4 min" in assigned_msg.text and PICKUP in assigned_msg.text
    assert assigned_msg.buttons[0].url == "https://swiftride.example/trips/TR-1"
    assert sofia.received[-1].buttons[0].url == "https://swiftride.example/trips/TR-1/receipt"


async def test_parcel_25_hours_later_is_billed_at_mexico_rate(bot: Bot, clock: ManualClock) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE)
    await sofia.send("hola")
    clock.advance(hours=25)
    shipped = ParcelShipped(SOFIA, "SW44", "Estafeta", dt.date(2026, 3, 12))
    result = await bot.notify("parcel_shipped", shipped)
    assert result.ok, result
    expected = quote(
        PriceBookSet.default().book_for(clock.now()),
        country="MX",
        category="utility",
        in_window=False,
    )
    assert result.billable and not result.in_window
    assert result.price_micros == expected.price_micros > 0
    assert result.currency == expected.currency
    [entry] = [e for e in await bot.store.ledger() if e.message_id == result.message_id]
    assert entry.country == "MX" and entry.price_micros == expected.price_micros
    assert sofia.received[-1].buttons[0].url == "https://swiftride.example/parcels/SW44"


async def test_spanish_number_is_billed_at_spain_rate(bot: Bot, clock: ManualClock) -> None:
    lucia = FakeCustomer(bot, "cust-lucia", phone=ES_PHONE, locale="es")
    await lucia.send("hola")
    clock.advance(hours=30)
    delivered = Delivered("cust-lucia", "SW45", "conserjería", None)
    result = await bot.notify("delivered", delivered)
    expected = quote(
        PriceBookSet.default().book_for(clock.now()),
        country="ES",
        category="utility",
        in_window=False,
    )
    assert result.ok and result.price_micros == expected.price_micros
    [entry] = await bot.store.ledger(clock.now())
    assert entry.country == "ES"


async def test_free_form_reply_refused_outside_window(bot: Bot, clock: ManualClock) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE)
    await sofia.send("hola")
    before = len(sofia.received)
    clock.advance(hours=24)
    result = await bot.reply(SOFIA, "Tu paquete ya está en la recepción.")
    assert isinstance(result.error, OutsideSessionWindow)
    assert len(sofia.received) == before


async def test_promotional_reply_refused_inside_window(bot: Bot) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE)
    await sofia.send("thanks")
    before = len(sofia.received)
    result = await bot.reply(SOFIA, "Get 20% off your next ride with code RIDE20")
    assert isinstance(result.error, PolicyViolation)
    assert len(sofia.received) == before


async def test_block_refuses_and_delivers_nothing(bot: Bot) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE)
    await sofia.send("hola")
    await sofia.block()
    before = len(sofia.received)
    ledger_before = len(await bot.store.ledger())
    for event in [assigned(), receipt()]:
        result = await notify_event(bot, event)
        assert isinstance(result.error, RecipientBlocked)
    assert len(sofia.received) == before
    assert len(await bot.store.ledger()) == ledger_before


# receipts --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("locale", "total", "lines"),
    [
        ("en", "Total charged: MXN 1,118.75", ["Base fare: MXN 35.00", "Tolls: MXN 23.00"]),
        ("es", "Total cobrado: 1.118,75 MXN", ["Distancia: 1.020,50 MXN", "Peajes: 23,00 MXN"]),
        ("es-MX", "Total cobrado: 1,118.75 MXN", ["Tiempo: 40.25 MXN", "(12.4 km, 27 min)"]),
    ],
)
async def test_receipt_total_rendered_from_minor_units(
    bot: Bot, locale: str, total: str, lines: list[str]
) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE, locale=locale)
    await sofia.send("hola")
    assert (await notify_event(bot, receipt())).ok
    text = sofia.texts[-1]
    assert f"{total} " in text and text.endswith("4242.")
    for line in lines:
        assert line in text


async def test_receipt_without_tolls_has_no_tolls_line(bot: Bot) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE, locale="en")
    await sofia.send("hi")
    fare = Fare("MXN", base=3500, distance=1000, time=500, tolls=0, total=5000)
    event = TripCompleted(SOFIA, "TR-2", fare, 2_000, 8, "0005", "RC-2")
    assert (await notify_event(bot, event)).ok
    assert sofia.received[-1].template_id == "trip_receipt"
    assert "Tolls" not in sofia.texts[-1] and "MXN 50.00" in sofia.texts[-1]


async def test_retried_receipt_is_sent_and_recorded_once(bot: Bot, clock: ManualClock) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE)
    await sofia.send("hola")
    clock.advance(hours=25)  # billable, so a double send would also double-charge
    with capture_notifications(bot) as sent:
        first = await notify_event(bot, receipt())
        again = await notify_event(bot, receipt())
    assert first.ok and again.ok and again.duplicate and not first.duplicate
    assert again.message_id == first.message_id
    assert len(sent) == 1
    assert sum(1 for c in sofia.received if c.template_id == "trip_receipt_tolls") == 1
    charges = [e for e in await bot.store.ledger() if e.message_id == first.message_id]
    assert len(charges) == 1 and charges[0].price_micros == first.price_micros > 0


async def test_new_receipt_number_is_a_new_message(bot: Bot) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE)
    await sofia.send("hola")
    a = await notify_event(bot, receipt(number="RC-1"))
    b = await notify_event(bot, receipt(number="RC-2"))
    assert a.ok and b.ok and not b.duplicate and a.message_id != b.message_id


def test_fare_parts_must_add_up() -> None:
    with pytest.raises(InvalidEvent, match="not the sum of its parts"):
        Fare("MXN", base=3500, distance=1000, time=500, tolls=0, total=5001)
    with pytest.raises(InvalidEvent, match="must be an int"):
        Fare("MXN", base=35.0, distance=0, time=0, tolls=0, total=35)  # type: ignore[arg-type]
    with pytest.raises(InvalidEvent, match="4 digits"):
        TripCompleted(SOFIA, "TR-1", FARE, 1, 1, "42", "RC-1")


def test_money_and_distance_formatting_never_uses_floats() -> None:
    assert format_money(1, "MXN", "en") == "MXN 0.01"
    assert format_money(123456789, "EUR", "es") == "1.234.567,89 EUR"
    assert format_money(1500, "CLP", "es-CL") == "1.500 CLP"
    assert format_money(1234, "KWD", "en") == "KWD 1.234"
    assert format_distance(12_350, "es") == "12,4 km" and format_distance(49, "en") == "0.0 km"
    with pytest.raises(InvalidEvent):
        format_money(10.5, "MXN")  # type: ignore[arg-type]


# languages and parcels -------------------------------------------------------------------
async def test_spanish_customer_gets_spanish_text(bot: Bot) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE, locale="es")
    await sofia.send("hola")
    failed = DeliveryAttemptFailed(
        SOFIA, "SW44", 1, "no había nadie", dt.date(2026, 3, 13), "OXXO Reforma 250"
    )
    for event in [
        assigned(),
        OutForDelivery(SOFIA, "SW44", dt.date(2026, 3, 12), dt.time(14), dt.time(16)),
        failed,
    ]:
        assert (await notify_event(bot, event)).ok
    assigned_msg, out_msg, failed_msg = sofia.received[-3:]
    assert assigned_msg.text.startswith("Carlos pasará por ti")
    assert assigned_msg.buttons[0].label == "Ver a mi conductor"
    assert "jue 12 mar, entre las 14:00 y las 16:00" in out_msg.text
    assert "Próximo intento: vie 13 mar" in failed_msg.text
    assert "recogerlo en OXXO Reforma 250" in failed_msg.text
    assert failed_msg.template_id == "delivery_failed_pickup"


async def test_failed_attempt_without_pickup_point_omits_it(bot: Bot) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE, locale="en")
    await sofia.send("hi")
    failed = DeliveryAttemptFailed(SOFIA, "SW44", 2, "address not found", dt.date(2026, 3, 13))
    assert (await notify_event(bot, failed)).ok
    assert sofia.received[-1].template_id == "delivery_failed"
    assert "collect" not in sofia.texts[-1] and "Next attempt: Fri 13 Mar" in sofia.texts[-1]


async def test_each_failed_attempt_is_its_own_message(bot: Bot) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE)
    await sofia.send("hola")
    day = dt.date(2026, 3, 13)
    first = await bot.notify("delivery_failed", DeliveryAttemptFailed(SOFIA, "P", 1, "x", day))
    second = await bot.notify("delivery_failed", DeliveryAttemptFailed(SOFIA, "P", 2, "x", day))
    assert first.ok and second.ok and not second.duplicate


# questions -------------------------------------------------------------------------------
async def test_where_is_my_driver_in_spanish_answers_with_the_trip(bot: Bot) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE, locale="es")
    await sofia.send("hola")
    await bot.notify("driver_assigned", assigned())
    with capture_notifications(bot) as sent:
        await sofia.send("¿Dónde está mi conductor?")
    assert sofia.texts[-1] == (
        f"Carlos (Nissan Versa grey, placas MXP-482-B) va en camino a {PICKUP}."
    )
    assert sofia.received[-1].buttons[0].url == "https://swiftride.example/trips/TR-1"
    assert sent[0].category == "service" and sent[0].price_micros == 0


async def test_where_is_my_driver_after_the_trip_ended(bot: Bot) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE, locale="en")
    await sofia.send("hi")
    await bot.notify("driver_assigned", assigned())
    await notify_event(bot, receipt())
    await sofia.send("Where is my driver?")
    assert sofia.texts[-1] == "You have no ride in progress right now."


async def test_lost_item_links_to_the_trip(bot: Bot) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE, locale="en")
    await sofia.send("hi")
    await bot.notify("driver_assigned", assigned())
    await sofia.send("I left my phone in the driver's car")
    assert sofia.received[-1].buttons[0].url == "https://swiftride.example/trips/TR-1/lost-item"


def test_classify_questions() -> None:
    assert classify("¿DÓNDE está mi conductor?") == ("driver", "es")
    assert classify("where is my driver") == ("driver", "en")
    assert classify("Olvidé mi mochila") == ("lost", "es")
    assert classify("where's my package") == ("parcel", "en")
    assert classify("hola") is None


# templates and demo ----------------------------------------------------------------------
def test_every_notification_has_english_and_spanish_templates(bot: Bot) -> None:
    names = set(bot.all_notifications())
    assert len(names) == 10  # 7 events; receipts, failed attempts, deliveries have 2 variants
    files = {p.name for p in TEMPLATES.glob("*.j2")}
    for name in names:
        assert {f"{name}.j2", f"{name}.es.j2"} <= files
        assert bot.templates.resolve(name, "es").locale == "es"
        assert bot.templates.resolve(name).category == "utility"


def test_promotional_template_fails_lint(clock: ManualClock) -> None:
    sources = {p.name[:-3]: p.read_text() for p in TEMPLATES.glob("*.j2")}
    sources["trip_receipt.es"] += "\nUse code RIDE20 for a discount on your next trip."
    bot = build_bot(clock=clock, templates=Templates(sources))
    with pytest.raises(ConfigurationError) as info:
        bot.check_templates()
    assert "trip_receipt.es" in str(info.value)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The demo's output and data folder (run once for the tests below)."""
    from examples.ridehail.demo import main

    data = tmp_path_factory.mktemp("ridehail-demo")
    out = io.StringIO()
    assert main(["--data", str(data)], out=out) == 0
    return out.getvalue(), data


def test_demo_runs_end_to_end(demo: tuple[str, Path]) -> None:
    text, data = demo
    for refusal in ("NotOptedIn", "OutsideSessionWindow", "PolicyViolation", "RecipientBlocked"):
        assert refusal in text
    assert "20 templates approved by the relay's review" in text
    assert "Total cobrado: 200.70 MXN" in text
    assert "not sent again" in text
    assert text.count("Recibo RC-2026-000917") == 1
    assert "MX " in text.split("billing ledger")[1]
    assert (data / "bot" / "notifybot.db").is_file()
    assert (data / "relay" / "relay.sqlite3").is_file()


def test_demo_refuses_a_folder_with_an_earlier_run(
    demo: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The story needs a fresh start, and the kept keys are sealed under another run's key:
    an explained refusal rather than a KeyUnwrapError half-way through."""
    from examples.ridehail.demo import main

    _, data = demo
    with pytest.raises(SystemExit) as info:
        main(["--data", str(data)], out=io.StringIO())
    assert info.value.code == 2
    assert "already holds a demo run" in capsys.readouterr().err


def test_demo_device_shows_decrypted_text_and_the_ledgers_agree(demo: tuple[str, Path]) -> None:
    """Sofía's lines come from the Device, which decrypted them and checked each template
    message against the relay-approved text; the relay's files hold no plaintext; the relay
    billed exactly what the bot billed: the four parcel updates at Mexico's rate."""
    text, data = demo
    lines = text.splitlines()
    phone = [line for line in lines if line.startswith("   sofía ")]
    assert any("← Recibo RC-2026-000917 de tu viaje (12.4 km, 27 min)." in ln for ln in phone)
    assert "              Peajes: 23.00 MXN" in lines  # the receipt's continuation line
    assert any("← Carlos (Nissan Versa gris, placas MXP-482-B) va en camino" in ln for ln in phone)
    assert any("firmado por Sofía Ramírez." in ln for ln in phone)
    for name in ("driver_assigned", "trip_receipt_tolls", "delivery_failed_pickup",
                 "delivered_signed"):  # fmt: skip
        assert any(f"template {name}, conforms to the approved text" in ln for ln in phone)
    assert any("holds 10 messages from SwiftRide in all" in ln for ln in phone)
    filled = ["RC-2026-000917", "200.70 MXN", "Sofía Ramírez", "Tienda OXXO Reforma 250"]
    relay_files = list((data / "relay").glob("relay.sqlite3*"))
    assert relay_files
    for f in relay_files:  # the relay holds the approved templates, never filled-in values
        content = f.read_bytes()
        assert all(value.encode() not in content for value in filled), f.name
    [ledgers] = [ln for ln in lines if "relay ledger:" in ln]
    mx = quote(
        PriceBookSet.default().book_for(dt.datetime(2026, 3, 11, 16, tzinfo=dt.UTC)),
        country="MX",
        category="utility",
        in_window=False,
    ).price_micros
    assert mx > 0
    assert f"relay ledger: 10 messages, {4 * mx} micro-units; bot ledger: 10, {4 * mx}" in ledgers
    assert ledgers.endswith("equal, message by message")


# logic-free templates: what the relay's review approves ----------------------------------
def test_every_template_passes_the_relays_review(bot: Bot) -> None:
    """Literal text and placeholders only: the relay approves each variant, and a device can
    check a message against it (no ``{% if %}``: optional lines are separate templates)."""
    infos = list(bot.templates.infos())
    assert len(infos) == 20
    for info in infos:
        assert "{%" not in info.body, info.key
        assert review_template(template_submission(info), check) == [], info.key


@pytest.mark.parametrize(
    ("event", "name", "present", "absent"),
    [
        (receipt(), "trip_receipt_tolls", "Tolls: MXN 23.00", None),
        (
            TripCompleted(SOFIA, "TR-2", Fare("MXN", 3500, 1000, 500, 0, 5000), 2_000, 8,
                          "0005", "RC-2"),
            "trip_receipt", "Total charged: MXN 50.00", "Tolls",
        ),
        (Delivered(SOFIA, "SW44", "reception", "Sofía R."), "delivered_signed",
         "left at reception, signed by Sofía R.", None),
        (Delivered(SOFIA, "SW44", "reception"), "delivered", "left at reception.", "signed"),
        (DeliveryAttemptFailed(SOFIA, "SW44", 1, "closed", dt.date(2026, 3, 13), "OXXO 250"),
         "delivery_failed_pickup", "collect it at OXXO 250.", None),
        (DeliveryAttemptFailed(SOFIA, "SW44", 1, "closed", dt.date(2026, 3, 13)),
         "delivery_failed", "Next attempt: Fri 13 Mar.", "collect"),
    ],
)  # fmt: skip
async def test_each_variant_conforms_to_its_approved_text(
    bot: Bot, event: object, name: str, present: str, absent: str | None
) -> None:
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE, locale="en")
    await sofia.send("hi")
    assert notification_for(event) == name
    assert (await notify_event(bot, event)).ok
    message = sofia.received[-1]
    assert message.template_id == name and present in message.text
    assert absent is None or absent not in message.text
    approved = bot.templates.resolve(name, "en").body
    assert match_template(approved, message.text) is not None


@pytest.mark.parametrize(
    ("name", "event", "right"),
    [
        ("trip_receipt", receipt(), "trip_receipt_tolls"),
        ("delivered", Delivered(SOFIA, "SW44", "reception", "Sofía R."), "delivered_signed"),
        ("delivered_signed", Delivered(SOFIA, "SW44", "reception"), "delivered"),
        ("delivery_failed",
         DeliveryAttemptFailed(SOFIA, "SW44", 1, "closed", dt.date(2026, 3, 13), "OXXO 250"),
         "delivery_failed_pickup"),
    ],
)  # fmt: skip
async def test_wrong_variant_is_refused_not_silently_trimmed(
    bot: Bot, name: str, event: object, right: str
) -> None:
    """Sending the tolls, signature or pickup point through the variant without that line
    would drop it from the customer's message: the handler refuses, naming the right one."""
    sofia = FakeCustomer(bot, SOFIA, phone=MX_PHONE, locale="en")
    await sofia.send("hi")
    before = len(sofia.received)
    result = await bot.notify(name, event)
    assert isinstance(result.error, HandlerFailed)
    assert isinstance(result.error.__cause__, InvalidEvent)
    assert repr(right) in str(result.error)
    assert len(sofia.received) == before


def test_an_event_swiftride_does_not_send_is_refused() -> None:
    with pytest.raises(InvalidEvent, match="no notification for a str"):
        notification_for("hello")
