"""How event values compare: JSON types, numeric keys and case folding.

JSON types stay distinct (`300` is not `"300"`, `true` is not `1`); numbers compare as IEEE-754
doubles, as event-ruler does, so `300`, `300.0` and `3.0e2` are one value. Case-insensitive
operators fold each character on its own (simple, 1:1 folding: `ß` never becomes `SS`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TypeAlias

Scalar: TypeAlias = str | int | float | bool | None
NumberKey: TypeAlias = float | int


def is_number(value: object) -> bool:
    """True for JSON numbers; Python's `bool` is an `int` but never a JSON number."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def number_key(value: int | float) -> NumberKey:
    """The value numeric equality compares: the double, or the exact int if it overflows one."""
    if isinstance(value, float):
        return value
    try:
        return float(value)
    except OverflowError:
        return value


def fold(text: str) -> str:
    """Fold case one character at a time, so lengths (and prefixes, suffixes) are preserved."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(ch) for ch in text)


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    upper = ch.upper()
    if len(upper) != 1:
        upper = ch
    lower = upper.lower()
    return lower if len(lower) == 1 else upper


def is_scalar(value: object) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
