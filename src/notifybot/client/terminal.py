"""A prompt that survives output: lines typed on stdin while other lines are printed.

:class:`LineEditor` is the pure part (keys in, finished lines out, the line being typed).
:class:`Terminal` wires it to a real terminal with plain asyncio: stdin in non-canonical
mode without echo (``termios``), read with ``loop.add_reader``; :meth:`Terminal.show` clears
the prompt line, prints, then redraws the prompt and what the person had typed so far. When
stdin is not a terminal (a pipe, a script) it reads whole lines and prints plainly.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import sys
import termios
from typing import Any, TextIO

#: Keys the editor understands (in non-canonical mode the terminal sends these bytes).
ENTER = {"\r", "\n"}
BACKSPACE = {"\x7f", "\x08"}
KILL_LINE = "\x15"  # Ctrl-U
KILL_WORD = "\x17"  # Ctrl-W
EOF = "\x04"  # Ctrl-D
ESC = "\x1b"


class LineEditor:
    """Turns typed characters into lines; ``buffer`` is the line being typed.

    Escape sequences (arrow keys, …) are swallowed; Ctrl-D on an empty line is end of input.
    """

    def __init__(self) -> None:
        self.buffer = ""
        self.closed = False
        self._escape = ""

    def feed(self, chars: str) -> list[str]:
        """Process typed characters; the lines they finished, in order."""
        lines: list[str] = []
        for ch in chars:
            if self._escape:
                self._escape += ch
                # ESC [ params final  |  ESC O x  |  ESC x
                short = len(self._escape) == 2 and ch not in "[O"
                if short or (len(self._escape) > 2 and (ch.isalpha() or ch == "~")):
                    self._escape = ""
                continue
            if ch == ESC:
                self._escape = ch
            elif ch in ENTER:
                lines.append(self.buffer)
                self.buffer = ""
            elif ch in BACKSPACE:
                self.buffer = self.buffer[:-1]
            elif ch == KILL_LINE:
                self.buffer = ""
            elif ch == KILL_WORD:
                self.buffer = self.buffer.rstrip().rpartition(" ")[0]
                self.buffer += " " if self.buffer else ""
            elif ch == EOF:
                if not self.buffer:
                    self.closed = True
                    break
            elif ch == "\t":
                self.buffer += " "
            elif ch.isprintable():
                self.buffer += ch
        return lines


class Terminal:
    """Line input and prompt-safe output on a terminal (or plain lines on a pipe).

    Use as ``with Terminal(prompt) as term:`` inside a running loop; ``await term.readline()``
    returns the next line, or None at end of input.
    """

    def __init__(
        self, prompt: str = "> ", *, stdin: TextIO | None = None, stdout: TextIO | None = None
    ) -> None:
        self.prompt = prompt
        self._in = stdin or sys.stdin
        self._out = stdout or sys.stdout
        self._fd = self._in.fileno()
        self.interactive = os.isatty(self._fd)
        self.editor = LineEditor()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._saved: list[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending = b""

    # -- set-up ----------------------------------------------------------------------------
    def __enter__(self) -> Terminal:
        self._loop = asyncio.get_running_loop()
        if self.interactive:
            self._saved = termios.tcgetattr(self._fd)
            mode = termios.tcgetattr(self._fd)
            mode[3] &= ~(termios.ICANON | termios.ECHO)  # lflag: keys one by one, no echo
            mode[6][termios.VMIN] = 1
            mode[6][termios.VTIME] = 0
            termios.tcsetattr(self._fd, termios.TCSANOW, mode)
        os.set_blocking(self._fd, False)
        self._loop.add_reader(self._fd, self._on_readable)
        self._draw()
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()

    def restore(self) -> None:
        """Give the terminal back as it was (idempotent)."""
        if self._loop is not None:
            self._loop.remove_reader(self._fd)
            self._loop = None
        os.set_blocking(self._fd, True)
        if self._saved is not None:
            termios.tcsetattr(self._fd, termios.TCSANOW, self._saved)
            self._saved = None
            self._write("\r\n")

    # -- input -----------------------------------------------------------------------------
    def _on_readable(self) -> None:
        try:
            data = os.read(self._fd, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._finish()
            return
        if not self.interactive:
            self._pending += data
            *done, self._pending = self._pending.split(b"\n")
            for raw in done:
                self._lines.put_nowait(raw.decode("utf-8", "replace").rstrip("\r"))
            return
        for line in self.editor.feed(self._decoder.decode(data)):
            self._write("\r\x1b[K" + self.prompt + line + "\r\n")  # stays on screen as typed
            self._lines.put_nowait(line)
            self._draw()
        if self.editor.closed:
            self._finish()
        else:
            self._redraw_input()

    def _finish(self) -> None:
        if self._loop is not None:
            self._loop.remove_reader(self._fd)
        if self._pending:
            self._lines.put_nowait(self._pending.decode("utf-8", "replace"))
            self._pending = b""
        self._lines.put_nowait(None)

    async def readline(self) -> str | None:
        """The next line typed (without its newline); None once input has ended."""
        return await self._lines.get()

    # -- output ----------------------------------------------------------------------------
    def _write(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()

    def _draw(self) -> None:
        if self.interactive:
            self._write(self.prompt + self.editor.buffer)

    def _redraw_input(self) -> None:
        if self.interactive:
            self._write("\r\x1b[K" + self.prompt + self.editor.buffer)

    def set_prompt(self, prompt: str) -> None:
        self.prompt = prompt
        self._redraw_input()

    def show(self, text: str) -> None:
        """Print ``text`` (one or more lines) above the prompt, keeping what is being typed."""
        if not self.interactive:
            self._write(text + "\n")
            return
        body = text.replace("\n", "\r\n")
        self._write("\r\x1b[K" + body + "\r\n" + self.prompt + self.editor.buffer)


__all__ = ["LineEditor", "Terminal"]
