"""The SwiftRide bot: ride updates and receipts, parcel tracking, and answers to customers'
questions inside the 24-hour window, in English and Spanish.

Build it with :func:`build_bot`; everything else (policy, consent, window, billing, sealing,
transport) is notifybot's job.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

from examples.ridehail.events import (
    Delivered,
    DeliveryAttemptFailed,
    DriverArriving,
    DriverAssigned,
    InvalidEvent,
    OutForDelivery,
    ParcelShipped,
    TripCompleted,
)
from examples.ridehail.formatting import format_date, format_distance, format_money, format_time
from notifybot import Bot, BusinessProfile, Button, Context, Notify, Router, SendResult

TEMPLATES = Path(__file__).parent / "templates"
SITE = "https://swiftride.example"
#: Where the bot remembers each customer's current trip and parcel (for "where is my driver?").
TRIPS, PARCELS = "swiftride-trip", "swiftride-parcel"

PROFILE = BusinessProfile(
    name="SwiftRide",
    address="Av. Paseo de la Reforma 222, Ciudad de México, México",
    email="help@swiftride.example",
    website=SITE,
    description="Ride updates, trip receipts and parcel tracking.",
    vertical="transport",
    help_text=(
        f"SwiftRide: ask about your ride or parcel here, or visit {SITE}/help. "
        "Send STOP to stop messages."
    ),
)

router = Router(name="ridehail")


async def _locale(bot: Bot, customer_id: str) -> str | None:
    """The customer's locale, so amounts and dates match the template's language."""
    customer = await bot.store.get_customer(customer_id)
    return customer.locale if customer else None


async def _remember(bot: Bot, namespace: str, customer_id: str, **facts: str) -> None:
    await bot.store.kv_put(namespace, customer_id, json.dumps(facts).encode())


async def _recall(bot: Bot, namespace: str, customer_id: str) -> dict[str, str] | None:
    raw = await bot.store.kv_get(namespace, customer_id)
    return dict(json.loads(raw)) if raw else None


# rides ---------------------------------------------------------------------------------------
@router.notification("driver_assigned")
async def driver_assigned(event: DriverAssigned, bot: Bot) -> Notify:
    """A driver accepted the ride. A new driver (new plate) is a new message."""
    d = event.driver
    await _remember(
        bot,
        TRIPS,
        event.customer_id,
        trip_id=event.trip_id,
        driver=d.name,
        car_model=d.car_model,
        car_colour=d.car_colour,
        plate=d.plate,
        pickup=event.pickup_address,
        state="assigned",
    )
    return Notify(
        to=event.customer_id,
        variables={
            "driver": d.name,
            "car_model": d.car_model,
            "car_colour": d.car_colour,
            "plate": d.plate,
            "eta": event.eta_minutes,
            "pickup": event.pickup_address,
            "trip_id": event.trip_id,
        },
        idempotency_key=f"assigned:{event.trip_id}:{d.plate}",
    )


@router.notification("driver_arriving", ttl=15 * 60)
def driver_arriving(event: DriverArriving) -> Notify:
    """The driver is about to arrive; stale after 15 minutes."""
    d = event.driver
    return Notify(
        to=event.customer_id,
        variables={
            "driver": d.name,
            "car_model": d.car_model,
            "car_colour": d.car_colour,
            "plate": d.plate,
            "pickup": event.pickup_address,
            "trip_id": event.trip_id,
        },
        idempotency_key=f"arriving:{event.trip_id}:{d.plate}",
    )


async def _receipt(event: TripCompleted, bot: Bot, *, tolls: bool) -> Notify:
    """The trip's receipt, sent exactly once per receipt number (payments retry events)."""
    fare = event.fare
    if tolls != (fare.tolls > 0):
        raise InvalidEvent(
            f"receipt {event.receipt_number}: tolls of {fare.tolls} are sent as "
            f"{notification_for(event)!r}"
        )
    locale = await _locale(bot, event.customer_id)
    trip = await _recall(bot, TRIPS, event.customer_id)
    if trip is not None and trip["trip_id"] == event.trip_id:
        await _remember(bot, TRIPS, event.customer_id, **{**trip, "state": "completed"})

    def money(minor: int) -> str:
        return format_money(minor, fare.currency, locale)

    variables = {
        "trip_id": event.trip_id,
        "receipt_number": event.receipt_number,
        "base": money(fare.base),
        "distance_fare": money(fare.distance),
        "time_fare": money(fare.time),
        "total": money(fare.total),
        "distance": format_distance(event.distance_m, locale),
        "duration": event.duration_minutes,
        "card_last4": event.card_last4,
    }
    if tolls:
        variables["tolls"] = money(fare.tolls)
    return Notify(
        to=event.customer_id,
        variables=variables,
        idempotency_key=f"receipt:{event.receipt_number}",
    )


@router.notification("trip_receipt")
async def trip_receipt(event: TripCompleted, bot: Bot) -> Notify:
    """The receipt of a trip without tolls."""
    return await _receipt(event, bot, tolls=False)


@router.notification("trip_receipt_tolls")
async def trip_receipt_tolls(event: TripCompleted, bot: Bot) -> Notify:
    """The receipt of a trip with tolls (one more line)."""
    return await _receipt(event, bot, tolls=True)


# parcels -------------------------------------------------------------------------------------
@router.notification("parcel_shipped")
async def parcel_shipped(event: ParcelShipped, bot: Bot) -> Notify:
    locale = await _locale(bot, event.customer_id)
    await _remember(bot, PARCELS, event.customer_id, tracking_number=event.tracking_number)
    return Notify(
        to=event.customer_id,
        variables={
            "tracking_number": event.tracking_number,
            "carrier": event.carrier,
            "expected": format_date(event.expected_on, locale),
        },
        idempotency_key=f"shipped:{event.tracking_number}",
    )


@router.notification("out_for_delivery")
async def out_for_delivery(event: OutForDelivery, bot: Bot) -> Notify:
    locale = await _locale(bot, event.customer_id)
    return Notify(
        to=event.customer_id,
        variables={
            "tracking_number": event.tracking_number,
            "day": format_date(event.on, locale),
            "start": format_time(event.window_start),
            "end": format_time(event.window_end),
        },
        idempotency_key=f"out:{event.tracking_number}:{event.on:%Y%m%d}",
    )


async def _failed(event: DeliveryAttemptFailed, bot: Bot, *, pickup: bool) -> Notify:
    if pickup != bool(event.pickup_point):
        raise InvalidEvent(
            f"parcel {event.tracking_number}: an attempt "
            f"{'with' if event.pickup_point else 'without'} a pickup point is sent as "
            f"{notification_for(event)!r}"
        )
    locale = await _locale(bot, event.customer_id)
    variables = {
        "tracking_number": event.tracking_number,
        "reason": event.reason,
        "next_attempt": format_date(event.next_attempt_on, locale),
    }
    if event.pickup_point:
        variables["pickup_point"] = event.pickup_point
    return Notify(
        to=event.customer_id,
        variables=variables,
        idempotency_key=f"failed:{event.tracking_number}:{event.attempt}",
    )


@router.notification("delivery_failed")
async def delivery_failed(event: DeliveryAttemptFailed, bot: Bot) -> Notify:
    """A failed attempt; the next one is planned."""
    return await _failed(event, bot, pickup=False)


@router.notification("delivery_failed_pickup")
async def delivery_failed_pickup(event: DeliveryAttemptFailed, bot: Bot) -> Notify:
    """A failed attempt, with a pickup point to collect the parcel from meanwhile."""
    return await _failed(event, bot, pickup=True)


def _delivered(event: Delivered, *, signed: bool) -> Notify:
    if signed != bool(event.signed_by):
        raise InvalidEvent(
            f"parcel {event.tracking_number}: a delivery "
            f"{'with' if event.signed_by else 'without'} a signature is sent as "
            f"{notification_for(event)!r}"
        )
    variables = {"tracking_number": event.tracking_number, "left_at": event.left_at}
    if event.signed_by:
        variables["signed_by"] = event.signed_by
    return Notify(
        to=event.customer_id,
        variables=variables,
        idempotency_key=f"delivered:{event.tracking_number}",
    )


@router.notification("delivered")
def delivered(event: Delivered) -> Notify:
    """The parcel was left somewhere, nobody signed."""
    return _delivered(event, signed=False)


@router.notification("delivered_signed")
def delivered_signed(event: Delivered) -> Notify:
    """The parcel was delivered and signed for."""
    return _delivered(event, signed=True)


# choosing the notification -------------------------------------------------------------------
def notification_for(event: object) -> str:
    """The notification an event is sent as.

    Templates hold literal text and placeholders only (the relay's review refuses Jinja logic,
    so a device can check each message against the approved text); an optional line is a
    separate template instead of an ``{% if %}``: ``trip_receipt_tolls``,
    ``delivery_failed_pickup``, ``delivered_signed``.
    """
    match event:
        case DriverAssigned():
            return "driver_assigned"
        case DriverArriving():
            return "driver_arriving"
        case TripCompleted():
            return "trip_receipt_tolls" if event.fare.tolls > 0 else "trip_receipt"
        case ParcelShipped():
            return "parcel_shipped"
        case OutForDelivery():
            return "out_for_delivery"
        case DeliveryAttemptFailed():
            return "delivery_failed_pickup" if event.pickup_point else "delivery_failed"
        case Delivered():
            return "delivered_signed" if event.signed_by else "delivered"
    raise InvalidEvent(f"SwiftRide sends no notification for a {type(event).__name__}")


async def notify_event(bot: Bot, event: object) -> SendResult:
    """``bot.notify(notification_for(event), event)``: what SwiftRide's systems call."""
    return await bot.notify(notification_for(event), event)


# questions -----------------------------------------------------------------------------------
#: (topic, language, phrases), checked in order on the folded text; "lost" comes first so
#: "I left my phone in the driver's car" is a lost item, not a driver question.
QUESTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("lost", "en", ("lost", "forgot", "left my")),
    ("lost", "es", ("olvide", "perdi", "objeto perdido")),
    ("driver", "en", ("where is my driver", "driver", "my ride")),
    ("driver", "es", ("conductor", "chofer", "mi viaje")),
    ("parcel", "en", ("parcel", "package")),
    ("parcel", "es", ("paquete", "envio")),
)

TEXTS = {
    (
        "driver",
        "en",
    ): "{driver} ({car_colour} {car_model}, plate {plate}) is on the way to {pickup}.",
    (
        "driver",
        "es",
    ): "{driver} ({car_model} {car_colour}, placas {plate}) va en camino a {pickup}.",
    ("no_trip", "en"): "You have no ride in progress right now.",
    ("no_trip", "es"): "No tienes ningún viaje en curso en este momento.",
    ("parcel", "en"): "Here is the live tracking of parcel {tracking_number}.",
    ("parcel", "es"): "Aquí puedes seguir tu paquete {tracking_number} en tiempo real.",
    ("no_parcel", "en"): "We have no parcel on its way to you right now.",
    ("no_parcel", "es"): "No tenemos ningún paquete en camino para ti en este momento.",
    ("lost", "en"): "Sorry about that! Report the item and we will put you in touch with "
    "your driver.",
    ("lost", "es"): "¡Lo sentimos! Reporta el objeto y te pondremos en contacto con tu conductor.",
    ("agent", "en"): "Thanks! A SwiftRide agent will answer you here shortly.",
    ("agent", "es"): "¡Gracias! Un agente de SwiftRide te responderá aquí en breve.",
}
LABELS = {
    ("map", "en"): "Track my driver",
    ("map", "es"): "Ver a mi conductor",
    ("parcel", "en"): "Track my parcel",
    ("parcel", "es"): "Seguir mi paquete",
    ("lost", "en"): "Report a lost item",
    ("lost", "es"): "Reportar un objeto",
}


def fold(text: str) -> str:
    """Lower-case, no accents, no ¿?¡! — so "¿Dónde está?" matches "donde esta"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.translate(str.maketrans("", "", "¿?¡!.,'")).split())


def classify(text: str) -> tuple[str, str] | None:
    """The question's (topic, language), or None."""
    folded = fold(text)
    for topic, lang, phrases in QUESTIONS:
        if any(phrase in folded for phrase in phrases):
            return topic, lang
    return None


@router.on_message()
async def answer_question(text: str, ctx: Context, bot: Bot) -> None:
    """Answer a customer's question (a free reply: they wrote inside the last 24 h)."""
    found = classify(text)
    if found is None:
        locale = ctx.message.content.locale or await _locale(bot, ctx.customer_id)
        lang = "es" if (locale or "").startswith("es") else "en"
        await ctx.reply(TEXTS["agent", lang])
        return
    topic, lang = found
    if topic == "driver":
        trip = await _recall(bot, TRIPS, ctx.customer_id)
        if trip is None or trip.get("state") == "completed":
            await ctx.reply(TEXTS["no_trip", lang], buttons=[Button("SwiftRide", SITE)])
            return
        url = f"{SITE}/trips/{trip['trip_id']}"
        button = Button(LABELS["map", lang], url)
        await ctx.reply(TEXTS["driver", lang].format(**trip), buttons=[button])
    elif topic == "parcel":
        parcel = await _recall(bot, PARCELS, ctx.customer_id)
        if parcel is None:
            await ctx.reply(TEXTS["no_parcel", lang])
            return
        url = f"{SITE}/parcels/{parcel['tracking_number']}"
        button = Button(LABELS["parcel", lang], url)
        await ctx.reply(TEXTS["parcel", lang].format(**parcel), buttons=[button])
    else:
        trip = await _recall(bot, TRIPS, ctx.customer_id)
        url = f"{SITE}/trips/{trip['trip_id']}/lost-item" if trip else f"{SITE}/help/lost-item"
        await ctx.reply(TEXTS["lost", lang], buttons=[Button(LABELS["lost", lang], url)])


def build_bot(**options: Any) -> Bot:
    """The SwiftRide bot; ``options`` go to :class:`notifybot.Bot` (store, transport, clock …)."""
    options.setdefault("templates", TEMPLATES)
    return Bot(PROFILE, routers=[router], business_id="swiftride", **options)
