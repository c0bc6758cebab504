"""The notifybot relay: store-and-forward of end-to-end encrypted envelopes (see docs/relay.md).

``make_app(db_path, ...)`` builds the aiohttp application; ``serve(host, port, db)`` runs it.
"""

from notifybot.relay.app import make_app, serve
from notifybot.relay.conformance import match_template, matches_template
from notifybot.relay.errors import ApiError, RelayRefused, RelayUnauthorized
from notifybot.relay.limits import Limits
from notifybot.relay.routing import Pricer, free_pricer

__all__ = [
    "ApiError",
    "Limits",
    "Pricer",
    "RelayRefused",
    "RelayUnauthorized",
    "free_pricer",
    "make_app",
    "match_template",
    "matches_template",
    "serve",
]
