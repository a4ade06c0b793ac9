"""Progress of long commands on stderr: what is being done, step n of N, time elapsed.

Contract: the command line calls ``configure(mode)`` once per command (``add_arguments`` gives
a subcommand ``--progress`` and ``--quiet``): ``"auto"`` reports only when stderr is a terminal,
``"on"`` always, ``"off"`` never. Long work wraps itself in ``task(what, total)`` and calls
``step(detail)`` as each of its ``total`` steps starts; leaving the block reports it done.
Progress goes to ``sys.stderr`` only — never stdout, never an output file — so it cannot change
what a command prints or writes. On a terminal one line is rewritten in place, once the task
has run ``DELAY`` seconds (a quick command shows nothing), and its clock ticks every ``TICK``
seconds during a long step; a task that fails clears its line. Elsewhere (``--progress``) each
report is its own line, at most one every ``INTERVAL`` seconds besides the first and the last.
Steps may come from several threads. A task started inside another stays silent: the outer
one's steps say where the work is. Example (a training loop)::

    from codegen import progress
    with progress.task("training xor_gate", epochs) as bar:
        for epoch in range(epochs):
            bar.step(f"epoch {epoch + 1}")
            ...
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

MODES = ("auto", "on", "off")
INTERVAL = 0.5  # seconds between reports when stderr is not a terminal
DELAY = 1.0  # seconds a task runs before a terminal shows it
TICK = 1.0  # seconds between redraws of a terminal's line within one step
REDRAW = 0.1  # seconds at least between redraws on a terminal (a fast loop of many steps)
_mode = "auto"
_depth = 0  # tasks open now; only the outermost reports


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Give a subcommand ``--progress`` (report even when stderr is not a terminal) and
    ``--quiet`` (never report); they set ``args.progress`` to ``"on"`` or ``"off"``."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--progress", dest="progress", action="store_const", const="on",
                       default="auto", help="report progress on stderr even when it is not a "
                       "terminal (default: only on a terminal)")
    group.add_argument("--quiet", dest="progress", action="store_const", const="off",
                       help="report no progress")


def configure(mode: str = "auto") -> None:
    """Set when tasks report: ``auto`` (stderr is a terminal), ``on`` or ``off``."""
    global _mode
    if mode not in MODES:
        raise ValueError(f"progress mode must be one of {MODES}, not {mode!r}")
    _mode = mode


def enabled() -> bool:
    """Whether a task started now would report."""
    if _mode == "auto":
        return sys.stderr.isatty()
    return _mode == "on"


class Task:
    """One long piece of work of ``total`` steps; see the module docstring."""

    def __init__(self, what: str, total: int) -> None:
        self.what, self.total, self.done = what, total, 0
        self.start = time.perf_counter()
        self.live = enabled() and _depth == 0
        self.terminal = self.live and sys.stderr.isatty()
        self._last = -INTERVAL
        self._shown = False
        self._state = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        if self.terminal:  # redraw the line so the elapsed time moves during a long step
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(TICK):
            with self._lock:
                if self._state:
                    self._report(self._state, first=False)

    def step(self, detail: str = "") -> None:
        """Report that the next step (``detail``: which) starts."""
        with self._lock:
            self.done += 1
            if self.live:
                suffix = f" {detail}" if detail else ""
                self._state = f"{self.done} of {self.total}{suffix}"
                self._report(self._state, first=self.done == 1)

    def _halt(self) -> None:
        self._stop.set()
        if self.terminal:
            self._ticker.join()

    def finish(self) -> None:
        """Report the task done (called on leaving ``task``'s block)."""
        self._halt()
        if self.live and (self._shown or not self.terminal):
            self._report(f"done, {self.done} of {self.total}", first=True)
            if self.terminal:
                sys.stderr.write("\n")
                sys.stderr.flush()

    def abandon(self) -> None:
        """Stop reporting after a failure; on a terminal, clear the line for the error."""
        self._halt()
        if self.terminal and self._shown:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()

    def _report(self, state: str, first: bool) -> None:
        now = time.perf_counter()
        if self.terminal and now - self.start < DELAY and not self._shown:
            return
        if not (first or now - self._last >= (REDRAW if self.terminal else INTERVAL)):
            return
        self._last, self._shown = now, True
        line = f"chainrule: {self.what}: {state}, {now - self.start:.1f} s elapsed"
        if self.terminal:
            sys.stderr.write("\r" + line + "\x1b[K")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


@contextmanager
def task(what: str, total: int) -> Iterator[Task]:
    """A ``Task`` for the block; it reports done when the block ends without an error."""
    global _depth
    current = Task(what, total)
    _depth += 1
    try:
        yield current
    except BaseException:
        current.abandon()
        raise
    finally:
        _depth -= 1
    current.finish()
