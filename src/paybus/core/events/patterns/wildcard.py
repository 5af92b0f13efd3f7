"""Wildcard patterns: parsing (`*`, `\\*`, `\\\\`), matching, and the complexity limit.

Positions in error messages count UTF-8 bytes of the value with a leading quote, because that is
what event-ruler parses (`"arn:...:**"` reports the first `*` of the pair). Complexity follows
event-ruler's MachineComplexityEvaluator: the largest number of wildcard-pattern prefixes that
one input can match at once; AWS rejects a rule whose patterns on one field reach the limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from paybus.core.errors import InvalidEventPattern

TOO_COMPLEX = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character"
)
_STAR = -1  # a wildcard in a byte-level token list
_MAX_STATES_EXPLORED = 20_000


@dataclass(frozen=True, slots=True)
class WildcardPattern:
    """A parsed wildcard: literal segments between stars, plus its matching regex."""

    text: str
    segments: tuple[str, ...]  # literal text around the stars: len(segments) == stars + 1

    @property
    def head(self) -> str:
        """Literal text before the first star (the whole text when there is no star)."""
        return self.segments[0]

    @property
    def tail(self) -> str:
        """Literal text after the last star ("" when there is no star)."""
        return self.segments[-1] if len(self.segments) > 1 else ""

    @property
    def has_star(self) -> bool:
        return len(self.segments) > 1

    def regex(self) -> re.Pattern[str]:
        return re.compile(".*".join(re.escape(part) for part in self.segments), re.DOTALL)


def parse_wildcard(text: str) -> WildcardPattern:
    """Parse a wildcard value; InvalidEventPattern with event-ruler's message when malformed."""
    quoted = ('"' + text + '"').encode("utf-8", "surrogatepass")
    segments: list[bytearray] = [bytearray()]
    index = 0
    while index < len(quoted):
        byte = quoted[index]
        if byte == 0x2A:  # *
            if index + 1 < len(quoted) and quoted[index + 1] == 0x2A:
                raise InvalidEventPattern(f"Consecutive wildcard characters at pos {index}")
            segments.append(bytearray())
        elif byte == 0x5C:  # backslash
            if index + 1 < len(quoted) and quoted[index + 1] in (0x2A, 0x5C):
                segments[-1].append(quoted[index + 1])
                index += 1
            else:
                raise InvalidEventPattern(f"Invalid escape character at pos {index}")
        else:
            segments[-1].append(byte)
        index += 1
    decoded = [bytes(part).decode("utf-8", "surrogatepass") for part in segments]
    decoded[0] = decoded[0][1:]  # drop the quotes added for error positions
    decoded[-1] = decoded[-1][:-1]
    return WildcardPattern(text, tuple(decoded))


def complexity(patterns: Iterable[WildcardPattern], limit: int) -> int:
    """Most wildcard prefixes one input can match at once, capped at `limit`."""
    machines = [_byte_tokens(pattern) for pattern in dict.fromkeys(patterns)]
    if not machines:
        return 0
    alphabet = {token for tokens in machines for token in tokens if token != _STAR}
    alphabet.add(0)  # stands for every byte no pattern mentions
    start = _closure({(index, 0) for index in range(len(machines))}, machines)
    seen = {start}
    frontier = [start]
    best = 0
    while frontier and len(seen) < _MAX_STATES_EXPLORED:
        states = frontier.pop()
        best = max(best, sum(1 for _, position in states if position > 0))
        if best >= limit:
            return limit
        for byte in alphabet:
            following = _step(states, byte, machines)
            if following and following not in seen:
                seen.add(following)
                frontier.append(following)
    return best


def _byte_tokens(pattern: WildcardPattern) -> tuple[int, ...]:
    tokens: list[int] = [0x22]
    for index, segment in enumerate(pattern.segments):
        if index:
            tokens.append(_STAR)
        tokens.extend(segment.encode("utf-8", "surrogatepass"))
    tokens.append(0x22)
    return tuple(tokens)


def _closure(
    states: set[tuple[int, int]], machines: Sequence[tuple[int, ...]]
) -> frozenset[tuple[int, int]]:
    """Add the state after each star that can be entered without reading a byte."""
    result = set(states)
    pending = list(states)
    while pending:
        machine, position = pending.pop()
        tokens = machines[machine]
        if position < len(tokens) and tokens[position] == _STAR:
            entered = (machine, position + 1)
            if entered not in result:
                result.add(entered)
                pending.append(entered)
    return frozenset(result)


def _step(
    states: frozenset[tuple[int, int]], byte: int, machines: Sequence[tuple[int, ...]]
) -> frozenset[tuple[int, int]]:
    following: set[tuple[int, int]] = set()
    for machine, position in states:
        tokens = machines[machine]
        if position and tokens[position - 1] == _STAR:
            following.add((machine, position))  # a star keeps consuming
        if position < len(tokens) and tokens[position] == byte:
            following.add((machine, position + 1))
    return _closure(following, machines)
