"""A progress line for long imports, drawn only on a terminal (stdout a TTY)."""

from __future__ import annotations

import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    """``bar(n)`` advances by n; redrawn at most ten times a second; ``close()`` ends the line."""

    def __init__(self, stream: TextIO, total: int | None, label: str = "files") -> None:
        self.stream = stream
        self.total = total
        self.label = label
        self.done = 0
        self.started = time.monotonic()
        self.drawn_at = 0.0

    def __call__(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self.drawn_at >= 0.1:
            self.drawn_at = now
            self.draw(now)

    def line(self, now: float) -> str:
        elapsed = now - self.started
        if self.total:
            share = min(self.done / self.total, 1.0)
            filled = int(share * WIDTH)
            bar = "#" * filled + "." * (WIDTH - filled)
            return (
                f"[{bar}] {share:4.0%} {self.done:,}/{self.total:,} {self.label} {elapsed:5.1f} s"
            )
        return f"{self.done:,} {self.label} {elapsed:5.1f} s"

    def draw(self, now: float) -> None:
        self.stream.write("\r" + self.line(now))
        self.stream.flush()

    def close(self) -> None:
        self.draw(time.monotonic())
        self.stream.write("\n")
        self.stream.flush()
