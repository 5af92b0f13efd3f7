"""A streaming JSON tokenizer that fails the way EventBridge's parser (Jackson) does.

AWS returns Jackson's own wording for a pattern that is not valid JSON, location suffix included
(`Unexpected character ... at [Source: (String)"..."; line: 1, column: 2]`). The pattern compiler
reads tokens one at a time, as event-ruler does, so an error early in the text is reported before
a syntax error later in it. Duplicate keys are allowed: the consumer decides (the last one wins).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import NoReturn

from paybus.core.errors import InvalidEventPattern

VALUE_LIST = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
_SOURCE_LIMIT = 500  # Jackson shows at most this many characters of the source
_WHITESPACE = " \t\n\r"
_LITERALS = {"true": True, "false": False, "null": None}
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


class Kind(enum.Enum):
    START_OBJECT = "{"
    END_OBJECT = "}"
    START_ARRAY = "["
    END_ARRAY = "]"
    FIELD_NAME = "name"
    STRING = "string"
    NUMBER_INT = "int"
    NUMBER_FLOAT = "float"
    TRUE = "true"
    FALSE = "false"
    NULL = "null"

    @property
    def is_number(self) -> bool:
        return self in (Kind.NUMBER_INT, Kind.NUMBER_FLOAT)


@dataclass(frozen=True, slots=True)
class Token:
    """One token. `text` is what Jackson's getText() returns; `end` is the offset after it."""

    kind: Kind
    text: str
    value: object
    end: int


_FIRST, _AFTER_ENTRY = range(2)


@dataclass(slots=True)
class _Container:
    is_object: bool
    start: int  # offset of the opening bracket
    state: int = _FIRST


class Tokens:
    """Pull tokens from JSON text; bad JSON raises `InvalidEventPattern` in Jackson's words."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self._stack: list[_Container] = []
        self._value_pending = False  # a field name was read; its value comes next

    def next(self) -> Token | None:
        """The next token, or None after the root value."""
        if self._value_pending:
            self._value_pending = False
            return self._value(self._skip_ws_or_eof())
        ch = self._skip_ws_or_eof()
        if not self._stack:
            return None if ch == "" else self._value(ch)
        top = self._stack[-1]
        if ch in "}]":
            return self._close(ch, top)
        if top.state == _AFTER_ENTRY:
            if ch != ",":
                kind = "Object" if top.is_object else "Array"
                self._fail_char(ch, f"was expecting comma to separate {kind} entries")
            self.pos += 1
            ch = self._skip_ws_or_eof()
        top.state = _AFTER_ENTRY
        if top.is_object:
            return self._field_name(ch)
        return self._value(ch)

    def _close(self, ch: str, top: _Container) -> Token:
        if ch != ("}" if top.is_object else "]"):
            kind, expected = ("Object", "}") if top.is_object else ("Array", "]")
            start = location_suffix(self.source, top.start).removeprefix("\n at ")
            self._fail(
                f"Unexpected close marker '{ch}': expected '{expected}' "
                f"(for {kind} starting at {start})",
                self.pos,
            )
        self.pos += 1
        self._stack.pop()
        return Token(Kind.END_OBJECT if top.is_object else Kind.END_ARRAY, ch, None, self.pos)

    # -- pieces -------------------------------------------------------------------------------

    def _skip_ws_or_eof(self) -> str:
        source, pos = self.source, self.pos
        while pos < len(source) and source[pos] in _WHITESPACE:
            pos += 1
        self.pos = pos
        if pos < len(source):
            return source[pos]
        if self._stack or self._value_pending:
            self._fail_eof()
        return ""

    def _field_name(self, ch: str) -> Token:
        if ch != '"':
            self._fail_char(ch, "was expecting double-quote to start field name")
        name = self._string_body()
        if self._skip_ws_or_eof() != ":":
            self._fail_char(
                self.source[self.pos], "was expecting a colon to separate field name and value"
            )
        self.pos += 1
        self._value_pending = True
        return Token(Kind.FIELD_NAME, name, name, self.pos)

    def _value(self, ch: str) -> Token:
        if ch == '"':
            text = self._string_body()
            return Token(Kind.STRING, text, text, self.pos)
        if ch in "{[":
            self._stack.append(_Container(is_object=ch == "{", start=self.pos))
            self.pos += 1
            kind = Kind.START_OBJECT if ch == "{" else Kind.START_ARRAY
            return Token(kind, ch, None, self.pos)
        if ch == "-" or "0" <= ch <= "9":
            return self._number()
        if ch.isalpha() or ch in "_$":
            return self._literal()
        self._fail_char(ch, f"expected a valid value {VALUE_LIST}")

    def _literal(self) -> Token:
        start = end = self.pos
        source = self.source
        while end < len(source) and (source[end].isalnum() or source[end] in "_$"):
            end += 1
        word = source[start:end]
        self.pos = end
        if word not in _LITERALS:
            self._fail(f"Unrecognized token '{word}': was expecting {VALUE_LIST}", end)
        value = _LITERALS[word]
        kind = Kind.NULL if value is None else Kind.TRUE if value else Kind.FALSE
        return Token(kind, word, value, end)

    def _number(self) -> Token:
        source, start = self.source, self.pos
        pos = start
        if source[pos] == "-":
            pos += 1
            if pos >= len(source) or not _is_digit(source[pos]):
                self._fail_number(
                    pos, "expected digit (0-9) to follow minus sign, for valid numeric value"
                )
        if source[pos] == "0" and pos + 1 < len(source) and _is_digit(source[pos + 1]):
            self._fail("Invalid numeric value: Leading zeroes not allowed", pos + 1)
        pos = _digits(source, pos)
        is_float = False
        if pos < len(source) and source[pos] == ".":
            is_float = True
            pos += 1
            if pos >= len(source) or not _is_digit(source[pos]):
                self._fail_number(pos, "Decimal point not followed by a digit")
            pos = _digits(source, pos)
        if pos < len(source) and source[pos] in "eE":
            is_float = True
            pos += 1
            if pos < len(source) and source[pos] in "+-":
                pos += 1
            if pos >= len(source) or not _is_digit(source[pos]):
                self._fail_number(pos, "Exponent indicator not followed by a digit")
            pos = _digits(source, pos)
        text = source[start:pos]
        self.pos = pos
        if is_float:
            return Token(Kind.NUMBER_FLOAT, text, float(text), pos)
        return Token(Kind.NUMBER_INT, text, int(text), pos)

    def _string_body(self) -> str:
        """Read a string whose opening quote is at self.pos; leave pos after the closing quote."""
        source = self.source
        pos = self.pos + 1
        end = source.find('"', pos)
        chunk = source[pos:end] if end >= 0 else ""
        if end >= 0 and "\\" not in chunk and all(ch >= " " for ch in chunk):
            self.pos = end + 1
            return chunk
        parts: list[str] = []
        while True:
            if pos >= len(source):
                self.pos = pos
                self._fail(
                    "Unexpected end-of-input: was expecting closing quote for a string value", pos
                )
            ch = source[pos]
            if ch == '"':
                self.pos = pos + 1
                return _join_surrogates("".join(parts))
            if ch < " ":
                self._fail(
                    f"Illegal unquoted character ({_describe(ch)}): has to be escaped using "
                    "backslash to be included in string value",
                    pos,
                )
            if ch != "\\":
                parts.append(ch)
                pos += 1
                continue
            pos = self._escape(pos + 1, parts)

    def _escape(self, pos: int, parts: list[str]) -> int:
        source = self.source
        if pos >= len(source):
            self._fail("Unexpected end-of-input in character escape sequence", pos)
        ch = source[pos]
        if ch in _ESCAPES:
            parts.append(_ESCAPES[ch])
            return pos + 1
        if ch != "u":
            self._fail(f"Unrecognized character escape {_describe(ch)}", pos)
        digits = source[pos + 1 : pos + 5]
        for offset, digit in enumerate(digits):
            if digit not in "0123456789abcdefABCDEF":
                self._fail(
                    f"Unexpected character ({_describe(digit)}): expected a hex-digit for "
                    "character escape sequence",
                    pos + 1 + offset,
                )
        if len(digits) < 4:
            self._fail("Unexpected end-of-input in character escape sequence", len(source))
        parts.append(chr(int(digits, 16)))
        return pos + 5

    # -- failures -----------------------------------------------------------------------------

    def _fail(self, reason: str, offset: int) -> NoReturn:
        raise InvalidEventPattern(reason + location_suffix(self.source, offset))

    def _fail_char(self, ch: str, expectation: str) -> NoReturn:
        # Jackson points at the offending character itself, which is at self.pos.
        self._fail(f"Unexpected character ({_describe(ch)}): {expectation}", self.pos)

    def _fail_number(self, pos: int, problem: str) -> NoReturn:
        if pos >= len(self.source):
            self._fail(f"Unexpected end-of-input in number value: {problem}", pos)
        self._fail(
            f"Unexpected character ({_describe(self.source[pos])}) in numeric value: {problem}",
            pos,
        )

    def _fail_eof(self) -> NoReturn:
        if self._value_pending or not self._stack:
            self._fail(f"Unexpected end-of-input: expected a valid value {VALUE_LIST}", self.pos)
        top = self._stack[-1]
        kind = "Object" if top.is_object else "Array"
        start = location_suffix(self.source, top.start).removeprefix("\n at ")
        self._fail(
            f"Unexpected end-of-input: expected close marker for {kind} (start marker at {start})",
            self.pos,
        )


def location_suffix(source: str, offset: int) -> str:
    """Jackson's `\\n at [Source: (String)"..."; line: L, column: C]` for a 0-based offset.

    The column is 1-based: offset 0 is column 1. Pass the offset *after* the current token for
    Jackson's "current location", or the offending character's own offset.
    """
    end = min(max(offset, 0), len(source))
    line = 1 + source.count("\n", 0, end)
    line_start = source.rfind("\n", 0, end) + 1
    column = offset - line_start + 1
    if len(source) > _SOURCE_LIMIT:
        shown = f'"{source[:_SOURCE_LIMIT]}"[truncated {len(source) - _SOURCE_LIMIT} chars]'
    else:
        shown = f'"{source}"'
    return f"\n at [Source: (String){shown}; line: {line}, column: {column}]"


def _describe(ch: str) -> str:
    """Jackson's `_getCharDesc`: how an offending character is named in a message."""
    code = ord(ch)
    if code < 32 or code == 127:
        return f"(CTRL-CHAR, code {code})"
    if code > 255:
        return f"'{ch}' (code {code} / 0x{code:x})"
    return f"'{ch}' (code {code})"


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


def _digits(source: str, pos: int) -> int:
    while pos < len(source) and _is_digit(source[pos]):
        pos += 1
    return pos


def _join_surrogates(text: str) -> str:
    """Turn escaped UTF-16 surrogate pairs (\\uD83D\\uDE80) into the one character they encode."""
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
