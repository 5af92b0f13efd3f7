"""Parse an intrinsic call such as `States.Format('{} {}', $.a, States.UUID())` into a tree.

Arguments are string literals (with `\\'`, `\\{`, `\\}`, `\\\\` escapes), numbers, booleans, null,
paths (`$.x`, `$$.x`, `$var.x`) and nested calls (at most 10 deep, as on AWS).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from paybus.core.asl.jsonpath import JsonPath, JsonPathSyntaxError, parse_path

FUNCTION_NAMES = frozenset(
    {
        "States.Format",
        "States.StringToJson",
        "States.JsonToString",
        "States.Array",
        "States.ArrayPartition",
        "States.ArrayContains",
        "States.ArrayRange",
        "States.ArrayGetItem",
        "States.ArrayLength",
        "States.ArrayUnique",
        "States.Base64Encode",
        "States.Base64Decode",
        "States.Hash",
        "States.JsonMerge",
        "States.MathRandom",
        "States.MathAdd",
        "States.StringSplit",
        "States.UUID",
    }
)
MAX_NESTING = 10
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
_FUNCTION = re.compile(r"States\.[A-Za-z0-9]+")


class IntrinsicSyntaxError(ValueError):
    """The text is not a well-formed intrinsic function call."""


@dataclass(frozen=True)
class Literal:
    value: str | int | float | bool | None


@dataclass(frozen=True)
class PathArgument:
    path: JsonPath


@dataclass(frozen=True)
class IntrinsicCall:
    name: str
    arguments: tuple[Literal | PathArgument | IntrinsicCall, ...]


Argument = Literal | PathArgument | IntrinsicCall


@lru_cache(maxsize=2048)
def parse_intrinsic(text: str) -> IntrinsicCall:
    parser = _Parser(text)
    call = parser.call(depth=1)
    parser.skip_spaces()
    if parser.pos != len(text):
        raise IntrinsicSyntaxError(f"unexpected text after the call at position {parser.pos}")
    return call


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def call(self, depth: int) -> IntrinsicCall:
        if depth > MAX_NESTING:
            raise IntrinsicSyntaxError(f"more than {MAX_NESTING} nested intrinsic calls")
        match = _FUNCTION.match(self.text, self.pos)
        if not match:
            raise IntrinsicSyntaxError(f"expected a States.* function at position {self.pos}")
        name = match.group(0)
        if name not in FUNCTION_NAMES:
            raise IntrinsicSyntaxError(f"unknown intrinsic function {name}")
        self.pos = match.end()
        self.expect("(")
        arguments: list[Argument] = []
        self.skip_spaces()
        if self.peek() == ")":
            self.pos += 1
            return IntrinsicCall(name, ())
        while True:
            self.skip_spaces()
            arguments.append(self.argument(depth))
            self.skip_spaces()
            char = self.peek()
            self.pos += 1
            if char == ")":
                return IntrinsicCall(name, tuple(arguments))
            if char != ",":
                raise IntrinsicSyntaxError(f"expected ',' or ')' at position {self.pos - 1}")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise IntrinsicSyntaxError(f"expected {char!r} at position {self.pos}")
        self.pos += 1

    def argument(self, depth: int) -> Argument:
        char = self.peek()
        if char == "'":
            return Literal(self.string())
        if char == "$":
            return PathArgument(self.path())
        if self.text.startswith("States.", self.pos):
            return self.call(depth + 1)
        for word, value in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return Literal(value)
        match = _NUMBER.match(self.text, self.pos)
        if match:
            self.pos = match.end()
            number = match.group(0)
            is_float = match.group(1) or match.group(2)
            return Literal(float(number) if is_float else int(number))
        raise IntrinsicSyntaxError(f"unexpected argument at position {self.pos}")

    def string(self) -> str:
        self.pos += 1
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\":
                if self.pos + 1 >= len(self.text):
                    raise IntrinsicSyntaxError("a lone trailing backslash in a string literal")
                out.append(
                    "\\" + self.text[self.pos + 1]
                    if self.text[self.pos + 1] in "{}"
                    else self.text[self.pos + 1]
                )
                self.pos += 2
                continue
            if char == "'":
                self.pos += 1
                return "".join(out)
            out.append(char)
            self.pos += 1
        raise IntrinsicSyntaxError("unterminated string literal")

    def path(self) -> JsonPath:
        start, depth, quote = self.pos, 0, ""
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if quote:
                if char == quote:
                    quote = ""
            elif char in "'\"" and depth:
                quote = char
            elif char == "[":
                depth += 1
            elif char == "]":
                depth -= 1
            elif depth == 0 and (char in ",)" or char.isspace()):
                break
            self.pos += 1
        try:
            return parse_path(self.text[start : self.pos])
        except JsonPathSyntaxError as exc:
            raise IntrinsicSyntaxError(str(exc)) from None
