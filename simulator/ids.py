"""Identifiers and random streams that stay stable however a world is split into blocks."""

from __future__ import annotations

import numpy as np


def make_ids(prefix: str, block: int, count: int, width: int, start: int = 0) -> np.ndarray:
    """`prefix` + a zero-padded number, unique across blocks: block * 10**(width - 3) + i.

    The first three digits are the block number, so ids from different blocks never collide
    and the same entity gets the same id whatever the block order of generation.
    """
    base = block * 10 ** (width - 3) + start
    numbers = (base + np.arange(count, dtype=np.int64)).astype(str)
    return np.char.add(prefix, np.char.zfill(numbers, width))


def block_rng(seed: int, block: int, stream: str) -> np.random.Generator:
    """An independent, reproducible generator for one block and one part of the simulation."""
    stream_key = int.from_bytes(stream.encode("utf-8")[:8].ljust(8, b"\0"), "little")
    return np.random.default_rng([seed, block, stream_key])


DAY = np.timedelta64(1, "D")
NAT = np.datetime64("NaT", "D")


def months_of(dates: np.ndarray) -> np.ndarray:
    return dates.astype("datetime64[M]")


def add_months(dates: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """Add whole months, keeping the day of month (simulated days of month are 1-28)."""
    day = (dates - months_of(dates).astype("datetime64[D]")).astype(int)
    return (months_of(dates) + months).astype("datetime64[D]") + day * DAY


def random_dates(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Uniform dates in [lo, hi] (datetime64[D] arrays), moved to day 1-28 of their month."""
    span = np.maximum((hi - lo).astype(int), 0)
    raw = lo + (rng.random(len(lo)) * (span + 1)).astype(int) * DAY
    day = np.minimum((raw - months_of(raw).astype("datetime64[D]")).astype(int), 27)
    return months_of(raw).astype("datetime64[D]") + day * DAY
