"""The knobs of a simulated world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class WorldConfig:
    customers: int = 5_000
    start: date = date(2018, 1, 1)
    end: date = date(2025, 12, 31)
    seed: int = 42

    def __post_init__(self) -> None:
        if self.customers < 1:
            raise ValueError(f"customers must be at least 1, got {self.customers}")
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        if (self.end - self.start).days < 400:
            raise ValueError(
                f"the world needs at least 400 days of history, got {self.start} to {self.end}"
            )
