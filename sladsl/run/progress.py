"""A one-line progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
import time


class Progress:
    """How much of the input a phase (`reading`, `checking`) has got through; with no total (standard input),
    how much it has read. Once the input is read, `say` tells what is left in place of the bar."""

    def __init__(self, total: int | None, phase: str = "checking") -> None:
        self.total = None if total is None else max(total, 1)
        self.phase = phase
        self.on = self.terminal = sys.stderr.isatty()
        self.started = self.shown = time.monotonic()

    def start(self, phase: str, total: int | None) -> None:
        """A new phase over the input, from the beginning."""
        self.phase, self.total = phase, None if total is None else max(total, 1)
        self.started = self.shown = time.monotonic()

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if not self.on or now - self.shown < 0.25:
            return
        self.shown = now
        rate = done / max(now - self.started, 1e-9) / 1e6
        if self.total is None:
            sys.stderr.write(f"\r  {self.phase}  {done / 1e6:,.0f} MB read  {rate:,.1f} MB/s")
        else:
            share = min(done / self.total, 1.0)
            bar = "#" * int(share * 30)
            sys.stderr.write(
                f"\r  {self.phase} [{bar:<30}] {share:4.0%}  {done / 1e6:,.0f} of {self.total / 1e6:,.0f} MB  "
                f"{rate:,.1f} MB/s"
            )
        sys.stderr.flush()

    def say(self, text: str) -> None:
        """What is being done once the input is read, in place of the bar."""
        if self.on:
            sys.stderr.write(f"\r  checking: {text}"[:79].ljust(79))
            sys.stderr.flush()

    def close(self) -> None:
        if self.on:
            sys.stderr.write("\r" + " " * 78 + "\r")
            sys.stderr.flush()
