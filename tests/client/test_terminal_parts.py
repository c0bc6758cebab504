"""The pure parts of the terminal inbox: the line editor, what is printed, and the sealed
files of a device's home (real SQLite)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from notifybot.client import BusinessCard, InboxMessage
from notifybot.client.home import (
    KEK_ENV,
    DeviceHome,
    History,
    Sealed,
    load_credentials,
    save_credentials,
)
from notifybot.client.terminal import LineEditor
from notifybot.client.view import (
    BusinessRow,
    format_businesses,
    format_card,
    format_message,
    format_safety,
)
from notifybot.envelope import Button
from notifybot.errors import ConfigurationError
from notifybot.relay.client import DeviceCredentials

AT = dt.datetime(2026, 8, 14, 9, 0, tzinfo=dt.UTC)


def test_editor_turns_keys_into_lines_with_backspace_kill_and_escapes() -> None:
    ed = LineEditor()
    assert ed.feed("hel") == [] and ed.buffer == "hel"
    assert ed.feed("p\x7flo\r") == ["hello"] and ed.buffer == ""
    assert ed.feed("one two\x17three\rx\x15y\n") == ["one three", "y"]
    assert ed.feed("a\x1b[Db\x1bOAc\x1b[3~d\r") == ["abcd"]  # arrows and Delete swallowed
    assert ed.feed("é\t✓\r") == ["é ✓"]
    assert ed.feed("z\x04") == [] and not ed.closed  # Ctrl-D ends input only on an empty line
    ed.feed("\x15\x04")
    assert ed.closed


def test_message_shows_time_sender_template_buttons_and_the_conformance_flag() -> None:
    msg = InboxMessage(
        "m1",
        "biz_1",
        "in",
        "Gate C4.\nBoard at 17:50.",
        AT,
        (Button("Open", "https://x.example/1"),),
        "gate_change",
    )
    text = format_message(msg, "Aurora")
    assert "Aurora  · gate_change" in text and "    Gate C4.\n    Board at 17:50." in text
    assert "[ Open ] → https://x.example/1" in text and "FLAGGED" not in text
    flagged = format_message(
        InboxMessage(
            "m2",
            "biz_1",
            "in",
            "Buy now",
            AT,
            template_id="t",
            status="flagged",
            detail="text differs",
        ),
        None,
    )
    assert "biz_1  · t  ⚠ FLAGGED" in flagged and "⚠ text differs" in flagged
    assert "] you\n" in format_message(InboxMessage("m3", "biz_1", "out", "hi", AT)) + "\n"


def test_card_list_and_safety_number() -> None:
    card = BusinessCard("biz_1", "Aurora", website="https://a.example", vertical="airline")
    shown = format_card(card, blocked=True)
    assert "── Aurora ──  [blocked]" in shown and "website  https://a.example" in shown
    assert "email" not in shown  # empty fields are left out
    rows = [
        BusinessRow(1, "biz_1", "Aurora", 2, False, True),
        BusinessRow(2, "biz_2", "", 0, True, False),
    ]
    listed = format_businesses(rows).splitlines()
    assert "1. Aurora (biz_1)" in listed[0] and "2 unread" in listed[0] and "◀ open" in listed[0]
    assert "2. biz_2" in listed[1] and "[blocked]" in listed[1]
    assert "no conversations yet" in format_businesses([])
    safety = format_safety("0123456789" * 6, "biz_1", "Aurora").splitlines()
    assert safety[1:] == ["    01234 56789 01234 56789"] * 3


async def test_home_seals_credentials_and_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEK_ENV, raising=False)
    home = DeviceHome(tmp_path / "d")
    kek = home.load_kek()
    assert home.load_kek() == kek and len(kek) == 32  # made once, then reused
    assert os.stat(home.kek_path).st_mode & 0o777 == 0o600
    store = home.store()
    await store.open()
    sealed = Sealed(store, kek)
    creds = DeviceCredentials("luc", 1, "tok-secret")
    await save_credentials(sealed, "http://r.example/", creds)
    assert await load_credentials(sealed, "http://r.example") == creds
    assert await load_credentials(sealed, "http://other.example") is None
    history = History(sealed)
    first = InboxMessage(
        "m1",
        "biz_1",
        "in",
        "Your boarding pass",
        AT,
        (Button("b", "u"),),
        "boarding_pass",
        "utility",
    )
    await history.save(first)
    await history.save(InboxMessage("m2", "biz_1", "out", "thanks", AT, status="sent"))
    await history.save(
        InboxMessage(
            "m1",
            "biz_1",
            "in",
            "Your boarding pass",
            AT,
            (Button("b", "u"),),
            "boarding_pass",
            "utility",
            "read",
        )
    )
    got = await History(sealed).load()
    assert [(m.message_id, m.status) for m in got] == [("m1", "read"), ("m2", "sent")]
    assert got[0].buttons == (Button("b", "u"),) and got[0].at == AT
    await store.close()
    raw = home.store_path.read_bytes()
    assert b"tok-secret" not in raw and b"boarding pass" not in raw and b"thanks" not in raw

    other = await _reopen(home, os.urandom(32))
    with pytest.raises(ConfigurationError, match="does not open"):
        await load_credentials(other, "http://r.example")
    await other.store.close()


async def _reopen(home: DeviceHome, kek: bytes) -> Sealed:
    store = home.store()
    await store.open()
    return Sealed(store, kek)


def test_kek_from_the_environment_must_be_32_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEK_ENV, "ab" * 32)
    home = DeviceHome(tmp_path / "d")
    assert home.load_kek() == b"\xab" * 32 and not home.kek_path.exists()
    monkeypatch.setenv(KEK_ENV, "abcd")
    with pytest.raises(ConfigurationError, match="64 hex digits"):
        home.load_kek()
