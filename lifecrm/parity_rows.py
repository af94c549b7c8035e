"""Pair up the rows two engines disagree on when their doubles differ only in the last decimal
the comparison keeps.

Rounding to a fixed decimal cannot make every pair of nearly equal doubles agree: two values a
hair apart round apart when a rounding boundary falls between them (9353596.4525645 summed by
one engine as ...56449 and by the other as ...56451, or averaged by Spark into six places). So
the rows left over by the exact comparison are paired when every other column is equal and each
double is within one unit of the last decimal kept.
"""

from __future__ import annotations

SEPARATOR = chr(31)
ABSOLUTE_TOLERANCE = 1.5e-6  # one unit of the sixth decimal, with room for its own rounding
RELATIVE_TOLERANCE = 1e-14  # doubles carry 16 digits; far below the sixth decimal up to 1e8


def _split(row: str, doubles: set[int]) -> tuple[tuple[str, ...], list[float]]:
    fields = row.split(SEPARATOR)
    key = tuple(
        field if index not in doubles or not _is_number(field) else "<double>"
        for index, field in enumerate(fields)
    )
    values = [float(fields[index]) for index in sorted(doubles) if _is_number(fields[index])]
    return key, values


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _close(left: list[float], right: list[float]) -> bool:
    return all(
        abs(a - b) <= ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * max(abs(a), abs(b))
        for a, b in zip(left, right, strict=True)
    )


def unpaired(left: list[str], right: list[str], doubles: set[int]) -> tuple[list[str], list[str]]:
    """The rows of `left` and of `right` (texts of fields joined by SEPARATOR; `doubles` the
    indices of the double columns) that no row of the other side pairs with."""
    waiting: dict[tuple[str, ...], list[tuple[str, list[float]]]] = {}
    for row in right:
        key, values = _split(row, doubles)
        waiting.setdefault(key, []).append((row, values))
    alone = []
    for row in left:
        key, values = _split(row, doubles)
        candidates = waiting.get(key, [])
        match = next((i for i, (_, other) in enumerate(candidates) if _close(values, other)), None)
        if match is None:
            alone.append(row)
        else:
            candidates.pop(match)
    return alone, [row for rows in waiting.values() for row, _ in rows]
