"""A progress bar on the terminal (plain lines when the output is not a terminal)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(self, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.stream, self.width = stream, width
        self.started = time.monotonic()
        self.tty = stream.isatty()

    def __call__(self, label: str, done: int = 0, total: int = 0) -> None:
        elapsed = time.monotonic() - self.started
        if not total:
            self.stream.write(f"  {label}\n")
        elif self.tty:
            filled = int(self.width * done / total)
            bar = "#" * filled + "-" * (self.width - filled)
            end = "\n" if done == total else ""
            self.stream.write(f"\r  {label} [{bar}] {done}/{total}  {elapsed:5.0f} s{end}")
        else:
            self.stream.write(f"  {label}: {done}/{total} ({elapsed:.0f} s)\n")
        self.stream.flush()
