"""The knobs of a simulated world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

# Days simulated beyond `end`, so that `--next-day` can deliver the following days of the world.
FUTURE_DAYS = 366


@dataclass(frozen=True)
class WorldConfig:
    customers: int = 5_000
    start: date = date(2018, 1, 1)
    end: date = date(2025, 12, 31)
    seed: int = 42
    # Calibration targets (the paper's figures; see docs/simulator.md).
    persistency_25m: float = 0.74  # policy-count basis, issue cohort as denominator
    agent_dropout_13m: float = 0.66  # share of new agents gone within 13 months
    top_decile_value_share: float = 0.38  # Royal & SunAlliance: the top tenth's share of value
    bottom_decile_value_share: float = -0.28  # ... and the bottom tenth's
    new_business_sum_assured_twd: float = 638_000  # average sum assured of new policies
    repeat_purchase_rate: float = 0.55  # extra policies per buyer over the whole horizon
    prospect_share: float = 0.15  # people who ask but never buy
    block_size: int = 10_000  # customers simulated at a time: bounds memory at any world size

    @property
    def blocks(self) -> int:
        """How many blocks of `block_size` customers the world is simulated in."""
        return -(-self.customers // self.block_size)

    @property
    def horizon_end(self) -> date:
        """The last day simulated: the initial extract ends at `end`, later days come as batches."""
        return self.end + timedelta(days=FUTURE_DAYS)

    def __post_init__(self) -> None:
        if self.customers < 1:
            raise ValueError(f"customers must be at least 1, got {self.customers}")
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        if (self.end - self.start).days < 400:
            raise ValueError(
                f"the world needs at least 400 days of history, got {self.start} to {self.end}"
            )
