"""Identifiers in each processor's style (`evt_` + 24 base62 characters, ...)."""

from __future__ import annotations

import random
import string

_ALPHABET = string.ascii_letters + string.digits


class IdMaker:
    """Makes ids from a seeded source so a run can be reproduced."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)

    def stripe(self, prefix: str, length: int = 24) -> str:
        return f"{prefix}_{''.join(self._random.choices(_ALPHABET, k=length))}"

    def checkout(self, prefix: str) -> str:
        return f"{prefix}_{''.join(self._random.choices(string.ascii_lowercase + '234567', k=26))}"

    def number(self, low: int, high: int) -> int:
        return self._random.randint(low, high)

    def choice(self, options: list[str]) -> str:
        return self._random.choice(options)
