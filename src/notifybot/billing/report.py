"""Ledger reports: totals by month, country, category or day, as a text table or JSON.

Amounts stay integer micro-units until they are shown; amounts in different currencies are
never added together (each row and each total is per currency).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal, get_args

import attrs

from notifybot.billing.money import format_amount
from notifybot.store.records import LedgerEntry

Grouping = Literal["month", "country", "category", "day"]
GROUPINGS: tuple[str, ...] = get_args(Grouping)


@attrs.frozen
class ReportRow:
    """Totals for one group (``key``) in one currency. ``billable`` counts charged messages
    (``price_micros > 0``)."""

    key: str
    currency: str
    messages: int
    billable: int
    total_micros: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "currency": self.currency,
            "messages": self.messages,
            "billable": self.billable,
            "total_micros": self.total_micros,
            "total": format_amount(self.total_micros),
        }


@attrs.frozen
class Report:
    """Rows grouped ``by`` one dimension, sorted by key then currency, and per-currency
    ``totals`` (key ``"TOTAL"``). ``period`` describes the range reported (e.g. ``2026-01``)."""

    by: Grouping
    rows: tuple[ReportRow, ...]
    totals: tuple[ReportRow, ...]
    period: str = "all time"


def _utc(at: datetime) -> datetime:
    """``at`` in UTC (a naive datetime is taken to be UTC already)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def group_key(entry: LedgerEntry, by: Grouping) -> str:
    """The group ``entry`` falls in (months and days are UTC)."""
    match by:
        case "month":
            at = _utc(entry.at)
            return f"{at.year:04d}-{at.month:02d}"
        case "day":
            return _utc(entry.at).date().isoformat()
        case "country":
            return entry.country or "??"
        case "category":
            return entry.category
    raise ValueError(f"cannot group by {by!r}; choose one of {GROUPINGS}")


def summarize(
    entries: Iterable[LedgerEntry], by: Grouping = "month", *, period: str = "all time"
) -> Report:
    """Count messages, billable messages and micro-units per group and currency."""
    if by not in GROUPINGS:
        raise ValueError(f"cannot group by {by!r}; choose one of {GROUPINGS}")
    acc: dict[tuple[str, str], list[int]] = {}
    for e in entries:
        if type(e.price_micros) is not int or e.price_micros < 0:
            raise ValueError(f"ledger entry {e.entry_id} has a bad price {e.price_micros!r}")
        cell = acc.setdefault((group_key(e, by), e.currency), [0, 0, 0])
        cell[0] += 1
        cell[1] += e.price_micros > 0
        cell[2] += e.price_micros
    rows = tuple(ReportRow(k, cur, *acc[(k, cur)]) for k, cur in sorted(acc))
    sums: dict[str, list[int]] = {}
    for r in rows:
        s = sums.setdefault(r.currency, [0, 0, 0])
        s[0] += r.messages
        s[1] += r.billable
        s[2] += r.total_micros
    totals = tuple(ReportRow("TOTAL", cur, *sums[cur]) for cur in sorted(sums))
    return Report(by, rows, totals, period)


def format_table(report: Report) -> str:
    """An aligned plain-text table (numbers right-aligned, amounts with 4 decimals)."""
    head = (report.by, "currency", "messages", "billable", "amount")
    body = [
        (r.key, r.currency, str(r.messages), str(r.billable), format_amount(r.total_micros))
        for r in (*report.rows, *report.totals)
    ]
    widths = [max(len(line[i]) for line in (head, *body)) for i in range(len(head))]

    def line(cells: tuple[str, ...]) -> str:
        left = [c.ljust(w) for c, w in zip(cells[:2], widths[:2], strict=True)]
        right = [c.rjust(w) for c, w in zip(cells[2:], widths[2:], strict=True)]
        return "  ".join(left + right).rstrip()

    out = [f"Billing report by {report.by} ({report.period}, UTC)", line(head)]
    rule = "  ".join("-" * w for w in widths)
    out.append(rule)
    out += [line(c) for c in body[: len(report.rows)]]
    if not report.rows:
        out.append("(no ledger entries)")
    out.append(rule)
    out += [line(c) for c in body[len(report.rows) :]]
    return "\n".join(out) + "\n"


def to_dict(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data (amounts as integer micros and 4-decimal strings)."""
    return {
        "by": report.by,
        "period": report.period,
        "rows": [r.as_dict() for r in report.rows],
        "totals": [r.as_dict() for r in report.totals],
    }


def to_json(report: Report) -> str:
    """:func:`to_dict` as indented JSON text."""
    return json.dumps(to_dict(report), indent=2) + "\n"


def month_range(month: str) -> tuple[datetime, datetime]:
    """``"2026-01"`` -> the UTC instants ``[2026-01-01, 2026-02-01)``."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}", month):
            raise ValueError
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"month must be written YYYY-MM, not {month!r}") from None
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return start, end
