"""Taiwan national IDs (one letter, a gender digit, seven digits and a check digit).

Real IDs are issued once, so two people never share one. A world's customers are simulated in
independent blocks, so the IDs cannot be drawn at random (26 letters x 10**7 numbers per gender
would give about 38 collisions in a 200,000-customer book, by the birthday paradox): each person's
ID comes instead from their number in the world through a keyed permutation of the 2.6 x 10**8
letter-and-number slots. Different people get different slots whatever the blocks, the block
order or the machine that simulates them, and the seed decides which IDs a world uses.
"""

from __future__ import annotations

import numpy as np

# The letter of the issuing region maps to a two-digit number (I, O, W, X, Y, Z out of order).
LETTER_CODES = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34,
    "J": 18, "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25,
    "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}  # fmt: skip
# Weights of the letter's two digits followed by the first eight digits of the number.
WEIGHTS = np.array([1, 9, 8, 7, 6, 5, 4, 3, 2, 1])
LETTERS = np.array(sorted(LETTER_CODES))
_CODES = np.array([LETTER_CODES[x] for x in LETTERS], dtype=np.int64)
NUMBERS = 10**7  # the seven digits after the gender digit
SLOTS = len(LETTERS) * NUMBERS  # letter-and-number pairs: 2.6 x 10**8
# Person numbers: customers are 0 .. customers - 1 (at most 10**7: ids.make_ids gives a block
# three digits); people the vendor knows and the insurer does not start here.
STRANGER_BASE = 10**8
_ROUNDS = 6


def _round_keys(seed: int) -> np.ndarray:
    stream = int.from_bytes(b"natid", "little")
    return np.random.default_rng([seed, stream]).integers(0, 2**32, _ROUNDS, dtype=np.uint64)


def _feistel(x: np.ndarray, keys: np.ndarray, half_bits: int) -> np.ndarray:
    """A balanced Feistel network: a bijection of [0, 4**half_bits) for any round keys."""
    shift, half = np.uint64(half_bits), np.uint64(2**half_bits - 1)
    left, right = x >> shift, x & half
    for key in keys:
        h = (right + key) * np.uint64(0x9E3779B97F4A7C15)  # wraps modulo 2**64
        h ^= h >> np.uint64(29)
        left, right = right, left ^ (h & half)
    return (left << shift) | right


def slots(seed: int, person: np.ndarray, size: int = SLOTS) -> np.ndarray:
    """Each person number's slot in [0, size): a bijection of [0, size) keyed by the seed.

    The Feistel network permutes the smallest power of four at least `size` (2**28 for the
    national IDs); cycle walking keeps it inside [0, size): a value that lands outside is
    permuted again until it lands inside, which stays a bijection of [0, size).
    """
    if not 0 < size <= 2**62:
        raise ValueError(f"size must be in 1 .. 2**62, got {size}")
    person = np.asarray(person, dtype=np.int64)
    if person.size and (person.min() < 0 or person.max() >= size):
        raise ValueError(
            f"person numbers must be in 0 .. {size - 1}, got {person.min()} .. {person.max()}"
        )
    half_bits = max(1, -(-(size - 1).bit_length() // 2))
    keys = _round_keys(seed)
    x = _feistel(person.astype(np.uint64), keys, half_bits)
    outside = x >= np.uint64(size)
    while outside.any():
        x[outside] = _feistel(x[outside], keys, half_bits)
        outside = x >= np.uint64(size)
    return x.astype(np.int64)


def make_national_ids(seed: int, person: np.ndarray, is_male: np.ndarray) -> np.ndarray:
    """Valid IDs for each person number: gender digit 1 for men, 2 for women; check digit last.

    Distinct person numbers get distinct IDs (of either gender), for a given seed.
    """
    slot = slots(seed, person)
    n = len(slot)
    if n == 0:
        return np.array([], dtype="<U10")
    letter, codes = LETTERS[slot // NUMBERS], _CODES[slot // NUMBERS]
    number = slot % NUMBERS
    digits = np.empty((n, 10), dtype=np.int64)
    digits[:, 0] = codes // 10
    digits[:, 1] = codes % 10
    digits[:, 2] = np.where(is_male, 1, 2)
    digits[:, 3:] = (number[:, None] // 10 ** np.arange(6, -1, -1)) % 10
    check = (10 - (digits @ WEIGHTS) % 10) % 10
    body = digits[:, 2:] @ (10 ** np.arange(7, -1, -1))  # the eight digits as one integer
    return np.char.add(letter, np.char.zfill((body * 10 + check).astype(str), 9))
