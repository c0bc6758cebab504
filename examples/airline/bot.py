"""The airline bot: notifications for check-in, gate changes, delays and cancellations,
and answers to customers' questions inside the 24-hour window.

Build it with :func:`build_bot`; everything else (policy, consent, window, billing, sealing,
transport) is notifybot's job.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from examples.airline.bcbp import BoardingPass, encode
from examples.airline.events import CheckedIn, FlightCancelled, FlightDelayed, GateChanged
from notifybot import Bot, BusinessProfile, Context, Notify, Router

TEMPLATES = Path(__file__).parent / "templates"

PROFILE = BusinessProfile(
    name="Aurora Airlines",
    address="1 Terminal Road, Montreal QC, Canada",
    email="care@aurora-air.example",
    website="https://aurora-air.example",
    description="Flight updates, boarding passes and trip help.",
    vertical="airline",
    help_text=(
        "Aurora Airlines: ask about your booking here, or visit https://aurora-air.example/help. "
        "Send STOP to stop messages."
    ),
)

router = Router(name="airline")


def _when(dt: Any) -> str:
    return f"{dt:%d %b %H:%M}"


@router.notification("boarding_pass", category="utility", ttl=6 * 3600)
def boarding_pass(event: CheckedIn) -> Notify:
    """Check-in done: send the boarding pass with its BCBP barcode string."""
    pax, flight = event.passenger, event.flight
    barcode = encode(
        BoardingPass.for_flight(
            pax.surname,
            pax.given_name,
            pax.pnr,
            flight.origin,
            flight.destination,
            flight.carrier,
            flight.number,
            flight.departure.date(),
            event.compartment,
            event.seat,
            event.sequence,
        )
    )
    return Notify(
        to=pax.customer_id,
        variables={
            "name": pax.given_name.title(),
            "flight": flight.code,
            "origin": flight.origin,
            "destination": flight.destination,
            "departure": _when(flight.departure),
            "boarding": f"{event.boarding_time:%H:%M}",
            "gate": flight.gate,
            "seat": event.seat,
            "barcode": barcode,
            "pnr": pax.pnr,
        },
        idempotency_key=f"bp:{pax.pnr}:{flight.code}:{flight.departure:%Y%m%d}",
    )


@router.notification("gate_change")
def gate_change(event: GateChanged) -> Notify:
    return Notify(
        to=event.passenger.customer_id,
        variables={
            "flight": event.flight.code,
            "old_gate": event.old_gate,
            "new_gate": event.new_gate,
        },
    )


@router.notification("delay")
def delay(event: FlightDelayed) -> Notify:
    return Notify(
        to=event.passenger.customer_id,
        variables={
            "flight": event.flight.code,
            "departure": _when(event.new_departure),
            "reason": event.reason,
            "pnr": event.passenger.pnr,
        },
    )


@router.notification("cancellation")
def cancellation(event: FlightCancelled) -> Notify:
    new = event.rebooked_on
    return Notify(
        to=event.passenger.customer_id,
        variables={
            "flight": event.flight.code,
            "reason": event.reason,
            "new_flight": new.code,
            "new_departure": _when(new.departure),
            "pnr": event.passenger.pnr,
        },
    )


ANSWERS = {
    "baggage": "Each passenger may bring one cabin bag (10 kg) and one personal item.",
    "bagage": "Chaque passager peut emporter un bagage cabine (10 kg) et un article personnel.",
    "gate": "Your gate is shown on your boarding pass; we message you here if it changes.",
    "porte": (
        "Votre porte figure sur votre carte d'embarquement ; nous vous écrivons si elle change."
    ),
}


@router.on_message()
async def answer_question(text: str, ctx: Context) -> None:
    """Answer a customer's question (a free reply: they wrote inside the last 24 h)."""
    lowered = text.lower()
    for word, answer in ANSWERS.items():
        if word in lowered:
            await ctx.reply(answer)
            return
    if ctx.message.content.locale == "fr":
        await ctx.reply("Merci ! Un agent vous répond ici très vite.")
    else:
        await ctx.reply("Thanks! An agent will answer you here shortly.")


def build_bot(**options: Any) -> Bot:
    """The airline bot; ``options`` go to :class:`notifybot.Bot` (store, transport, clock …)."""
    options.setdefault("templates", TEMPLATES)
    return Bot(PROFILE, routers=[router], business_id="aurora-air", **options)
