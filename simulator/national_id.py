"""Taiwan national IDs (one letter, a gender digit, seven digits and a check digit)."""

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


def make_national_ids(rng: np.random.Generator, is_male: np.ndarray) -> np.ndarray:
    """Valid IDs for each person: gender digit 1 for men, 2 for women; check digit last."""
    n = len(is_male)
    letters = np.array(sorted(LETTER_CODES))
    letter = letters[rng.integers(0, len(letters), n)]
    codes = np.array([LETTER_CODES[x] for x in letter])
    digits = np.empty((n, 10), dtype=np.int64)
    digits[:, 0] = codes // 10
    digits[:, 1] = codes % 10
    digits[:, 2] = np.where(is_male, 1, 2)
    digits[:, 3:] = rng.integers(0, 10, (n, 7))
    check = (10 - (digits @ WEIGHTS) % 10) % 10
    body = digits[:, 2:] @ (10 ** np.arange(7, -1, -1))  # the eight digits as one integer
    return np.char.add(letter, np.char.zfill((body * 10 + check).astype(str), 9))
