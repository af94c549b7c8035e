"""Value-level helpers of the defect planter: full-width characters, Republic of China calendar
dates, national ID check digits, stray whitespace and fresh identifiers.

The array forms work on numpy unicode arrays (the few cells a defect touches); the scalar forms
(`to_full_width`, `to_roc_date`, `national_id_is_valid`) say the same thing for one value.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.national_id import LETTER_CODES, WEIGHTS

# Printable ASCII (! to ~) sits 0xFEE0 below its full-width form; NFKC maps it back.
_FULL_WIDTH = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
# The Republic of China calendar counts years from 1912 (ROC year 1).
ROC_OFFSET = 1911
# ROC years of two or three digits: dates from 1921 on.
ROC_EARLIEST = "1921-01-01"
# Weights of the letter's two digits, the eight digits and the check digit.
_ID_WEIGHTS = np.append(WEIGHTS, 1)
_LETTER_LUT = np.full(128, -1, dtype=np.int64)
for _letter, _code in LETTER_CODES.items():
    _LETTER_LUT[ord(_letter)] = _code
# Whitespace that sneaks around values typed into legacy screens.
_PADS = np.array(["", " ", "  ", "\t", " \t", "   "])
UNKNOWN_CODES = ("X9", "ZZ", "99", "UNK", "N/A")


def to_full_width(s: str) -> str:
    """'agent' -> 'ａｇｅｎｔ': printable ASCII moved to the full-width forms block."""
    return s.translate(_FULL_WIDTH)


def full_width(values: np.ndarray) -> np.ndarray:
    return np.char.translate(np.asarray(values, dtype=str), _FULL_WIDTH)


def to_roc_date(iso: str, compact: bool) -> str:
    """'2023-05-03' -> '112/05/03', or '1120503' when compact."""
    year = int(iso[:4]) - ROC_OFFSET
    if year < 1:
        raise ValueError(f"{iso} is before the Republic of China calendar (1912)")
    sep = "" if compact else "/"
    return f"{year}{sep}{iso[5:7]}{sep}{iso[8:10]}"


def roc_dates(iso: np.ndarray, compact: np.ndarray) -> np.ndarray:
    iso = np.asarray(iso, dtype=str)
    year = (np.strings.slice(iso, 0, 4).astype(np.int64) - ROC_OFFSET).astype(str)
    sep = np.where(compact, "", "/")
    month, day = np.strings.slice(iso, 5, 7), np.strings.slice(iso, 8, 10)
    return year + sep + month + sep + day


def shift_days(iso: np.ndarray, days: np.ndarray) -> np.ndarray:
    """ISO dates moved by a number of days each."""
    return (np.asarray(iso, dtype=str).astype("datetime64[D]") + days).astype(str)


def national_ids_valid(values: np.ndarray) -> np.ndarray:
    """Whether each value is a Taiwan national ID with a correct check digit."""
    ids = np.asarray(values, dtype="U11")  # an eleventh character marks a too-long value
    points = ids.view(np.uint32).reshape(len(ids), 11).astype(np.int64)
    first = np.minimum(points[:, 0], 127)
    letter = np.where(points[:, 0] < 128, _LETTER_LUT[first], -1)
    digits = points[:, 1:10] - ord("0")
    ok = (points[:, 10] == 0) & (letter >= 0) & ((digits >= 0) & (digits <= 9)).all(axis=1)
    full = np.column_stack([letter // 10, letter % 10, digits])
    return ok & ((full @ _ID_WEIGHTS) % 10 == 0)


def national_id_is_valid(s: str) -> bool:
    return bool(national_ids_valid(np.array([s]))[0])


def break_check_digits(ids: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same IDs with the check digit replaced by a wrong one (exactly one digit is right)."""
    ids = np.asarray(ids, dtype=str)
    last = np.strings.slice(ids, 9, 10).astype(np.int64)
    wrong = (last + rng.integers(1, 10, len(ids))) % 10
    return np.strings.slice(ids, 0, 9) + wrong.astype(str)


def pad_whitespace(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Values with spaces and tabs before and/or after them (at least one character added)."""
    n = len(values)
    left = _PADS[rng.integers(0, len(_PADS), n)]
    right = _PADS[rng.integers(0, len(_PADS), n)]
    right = np.where((left == "") & (right == ""), " ", right)
    return left + np.asarray(values, dtype=str) + right


def mobile_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.char.add("09", np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8))


def duplicate_customer_ids(
    old: np.ndarray, existing: pa.Array | pa.ChunkedArray, rng: np.random.Generator
) -> np.ndarray:
    """A second customer ID for each of `old` ('C' + 8 digits): the number moved up by 50,000,000,
    so a person duplicated in several blocks or batches gets the same second ID every time and
    no two people share one. An ID that would not fit, or is taken, is drawn from C9xxxxxxx."""
    if isinstance(existing, pa.ChunkedArray):
        existing = existing.combine_chunks()
    old = np.asarray(old, dtype=str)
    digits = np.strings.slice(old, 1, None)
    ok = (np.strings.slice(old, 0, 1) == "C") & (np.strings.str_len(old) == 9)
    ok &= np.strings.isdigit(digits)
    number = np.where(ok, digits, "0").astype(np.int64) + 50_000_000
    ok &= number < 100_000_000
    new = np.where(ok, np.char.add("C", number.astype(str)), "")
    while True:
        taken = pc.is_in(pa.array(new.tolist()), value_set=existing).to_numpy(zero_copy_only=False)
        _, first = np.unique(new, return_index=True)
        repeated = np.ones(len(new), dtype=bool)
        repeated[first] = False
        redo = (new == "") | taken | repeated
        if not redo.any():
            return new
        drawn = rng.integers(90_000_000, 100_000_000, int(redo.sum()))
        new[redo] = np.char.add("C", drawn.astype(str))


def non_positive(amounts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """'0' or the amount made negative, half and half."""
    negative = np.char.add("-", np.char.lstrip(np.asarray(amounts, dtype=str), "-"))
    return np.where(rng.random(len(amounts)) < 0.5, "0", negative)


def unknown_codes(codes: tuple[str, ...], n: int, rng: np.random.Generator) -> np.ndarray:
    """Values outside a code list (none of them a code after trimming, case folding or NFKC)."""
    folded = {c.casefold() for c in codes}
    return rng.choice([u for u in UNKNOWN_CODES if u.casefold() not in folded], n)


def dates_after(day: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """ISO dates 30 days to two years after `day`."""
    return shift_days(np.full(n, day), rng.integers(30, 731, n))


def dates_before(iso: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """ISO dates a day to a year before each of `iso`."""
    return shift_days(iso, -rng.integers(1, 366, len(iso)))


def about_half(group: np.ndarray, groups: int, rng: np.random.Generator) -> np.ndarray:
    """A random half of the items of each group, at least one per non-empty group."""
    pick = rng.random(len(group)) < 0.5
    _, first = np.unique(group, return_index=True)
    pick[first[np.bincount(group[pick], minlength=groups)[group[first]] == 0]] = True
    return pick


def positions_with_copies(n: int, copies: np.ndarray) -> np.ndarray:
    """Where each of `n` rows lands when every row in `copies` is followed by a copy of itself."""
    counts = np.ones(n, dtype=np.int64)
    counts[copies] = 2
    return np.cumsum(counts) - counts
