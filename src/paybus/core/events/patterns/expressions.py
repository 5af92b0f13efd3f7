"""Match expressions: the `{...}` objects inside a field's value list, read token by token.

Each check happens in the order event-ruler's JsonRuleCompiler makes it, with its messages, so
that a pattern with several problems reports the same one AWS does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NoReturn

from paybus.core.errors import InvalidEventPattern
from paybus.core.events.patterns.conditions import (
    Absent,
    AnythingBut,
    AnythingButIgnoreCase,
    AnythingButPrefix,
    AnythingButSuffix,
    AnythingButWildcard,
    Cidr,
    Condition,
    EqualsIgnoreCase,
    Exactly,
    Exists,
    NumberEquals,
    NumericRange,
    Prefix,
    PrefixIgnoreCase,
    Suffix,
    SuffixIgnoreCase,
    Wildcard,
)
from paybus.core.events.patterns.ipaddr import cidr_block
from paybus.core.events.patterns.jsontext import Kind, Token, Tokens
from paybus.core.events.patterns.values import NumberKey, fold, number_key
from paybus.core.events.patterns.wildcard import parse_wildcard

ONE_KEY = "Only one key allowed in match expression"
TOO_MANY_NUMERIC = "Too many elements in numeric expression"
EIC_LIST = (
    "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
)
ANYTHING_BUT_VALUE = "Value of anything-but must be an array or single string/number value."
_ANYTHING_BUT_KINDS = {"equals-ignore-case", "prefix", "suffix", "wildcard"}


def barf(reason: str) -> NoReturn:
    raise InvalidEventPattern(reason)


def take(tokens: Tokens) -> Token:
    """The next token; inside a pattern object the tokenizer never runs out silently."""
    token = tokens.next()
    if token is None:  # pragma: no cover - Tokens raises on a truncated document
        barf("Unexpected end-of-input")
    return token


def expect_end(tokens: Tokens, reason: str = ONE_KEY) -> None:
    if take(tokens).kind is not Kind.END_OBJECT:
        barf(reason)


def match_expression(tokens: Tokens) -> Condition:
    """Read `{"operator": ...}` after its `{`, through its `}`."""
    name_token = take(tokens)
    if name_token.kind is not Kind.FIELD_NAME:
        barf("Match expression name not found")
    name = name_token.text
    reader = _READERS.get(name)
    if reader is None:
        barf(f"Unrecognized match type {name}")
    return reader(tokens)


def _exactly(tokens: Tokens) -> Condition:
    token = take(tokens)
    if token.kind is not Kind.STRING:
        barf("exact match pattern must be a string")
    expect_end(tokens)
    return Exactly(token.text)


def _prefix(tokens: Tokens) -> Condition:
    token = take(tokens)
    if token.kind is Kind.START_OBJECT:
        return PrefixIgnoreCase(fold(_ignore_case_object(tokens, "Prefix", "prefix")))
    if token.kind is not Kind.STRING:
        barf("prefix match pattern must be a string")
    expect_end(tokens)
    return Prefix(token.text)


def _suffix(tokens: Tokens) -> Condition:
    token = take(tokens)
    if token.kind is Kind.START_OBJECT:
        return SuffixIgnoreCase(fold(_ignore_case_object(tokens, "Suffix", "suffix")))
    if token.kind is not Kind.STRING:
        barf("suffix match pattern must be a string")
    expect_end(tokens)
    return Suffix(token.text)


def _ignore_case_object(tokens: Tokens, title: str, operator: str) -> str:
    """`{"equals-ignore-case": "x"}` nested in prefix/suffix; closes both objects."""
    name = take(tokens)
    if name.kind is not Kind.FIELD_NAME:
        barf(f"{title} expression name not found")
    if name.text != "equals-ignore-case":
        barf(f"Unsupported {operator} pattern: {name.text}")
    value = take(tokens)
    if value.kind is not Kind.STRING:
        barf("equals-ignore-case match pattern must be a string")
    expect_end(tokens)
    expect_end(tokens)
    return value.text


def _equals_ignore_case(tokens: Tokens) -> Condition:
    token = take(tokens)
    if token.kind is not Kind.STRING:
        barf("equals-ignore-case match pattern must be a string")
    expect_end(tokens)
    return EqualsIgnoreCase(fold(token.text))


def _wildcard(tokens: Tokens) -> Condition:
    token = take(tokens)
    if token.kind is not Kind.STRING:
        barf("wildcard match pattern must be a string")
    pattern = parse_wildcard(token.text)
    expect_end(tokens)
    return Wildcard.of(pattern)


def _exists(tokens: Tokens) -> Condition:
    token = take(tokens)
    if token.kind not in (Kind.TRUE, Kind.FALSE):
        barf("exists match pattern must be either true or false.")
    expect_end(tokens)
    return Exists() if token.kind is Kind.TRUE else Absent()


def _cidr(tokens: Tokens) -> Condition:
    token = take(tokens)
    if token.kind is not Kind.STRING:
        barf("prefix match pattern must be a string")  # sic: event-ruler's message
    first, last = cidr_block(token.text)
    expect_end(tokens)
    return Cidr(token.text, first, last)


def _numeric(tokens: Tokens) -> Condition:
    if take(tokens).kind is not Kind.START_ARRAY:
        barf("Value of numeric must be an array.")
    condition = _numeric_terms(tokens)
    expect_end(tokens, TOO_MANY_NUMERIC)
    return condition


def _numeric_terms(tokens: Tokens) -> Condition:
    operator_token = take(tokens)
    if operator_token.kind is not Kind.STRING:
        barf(f"Invalid member in numeric match: {operator_token.text}")
    operator = operator_token.text
    value = take(tokens)
    names = {"=": "equals", ">=": ">=", ">": ">", "<=": "<=", "<": "<"}
    if operator not in names:
        barf(f"Unrecognized numeric range operator: {operator}")
    if not value.kind.is_number:
        barf(f"Value of {names[operator]} must be numeric")
    bound = _number(value)
    if operator in ("=", "<", "<="):
        if take(tokens).kind is not Kind.END_ARRAY:
            barf(TOO_MANY_NUMERIC)
        if operator == "=":
            return NumberEquals(bound)
        return NumericRange(None, False, bound, operator == "<")
    following = take(tokens)
    if following.kind is Kind.END_ARRAY:
        return NumericRange(bound, operator == ">", None, False)
    return _upper_bound(tokens, following, bound, operator == ">")


def _upper_bound(tokens: Tokens, token: Token, low: NumberKey, low_open: bool) -> Condition:
    if token.kind is not Kind.STRING:
        barf(f"Bad value in numeric range: {token.text}")
    operator = token.text
    if operator not in ("<", "<="):
        barf(f"Bad numeric range operator: {operator}")
    value = take(tokens)
    if not value.kind.is_number:
        barf(f"Value of {operator} must be numeric")
    high = _number(value)
    if take(tokens).kind is not Kind.END_ARRAY:
        barf("Too many terms in numeric range expression")
    if low >= high:
        barf("Bottom must be less than top")
    return NumericRange(low, low_open, high, operator == "<")


def _number(token: Token) -> NumberKey:
    value = token.value
    assert isinstance(value, int | float)
    return number_key(value)


def _anything_but(tokens: Tokens) -> Condition:
    token = take(tokens)
    kind = ""
    if token.kind is Kind.START_OBJECT:
        name = take(tokens)
        if name.kind is not Kind.FIELD_NAME:
            barf("Anything-But expression name not found")
        if name.text not in _ANYTHING_BUT_KINDS:
            barf(f"Unsupported anything-but pattern: {name.text}")
        kind = name.text
        token = take(tokens)
    if token.kind not in (Kind.START_ARRAY, Kind.STRING) and not token.kind.is_number:
        barf(ANYTHING_BUT_VALUE)
    if not kind:
        condition = _anything_but_values(tokens, token)
    else:
        condition = _anything_but_set(tokens, token, kind)
        expect_end(tokens, TOO_MANY_NUMERIC)
    expect_end(tokens, TOO_MANY_NUMERIC)
    return condition


def _anything_but_values(tokens: Tokens, token: Token) -> Condition:
    """`{"anything-but": "x"}`, `123`, or a list all of strings or all of numbers."""
    if token.kind is Kind.STRING:
        return AnythingBut(strings=frozenset([token.text]))
    if token.kind.is_number:
        return AnythingBut(numbers=frozenset([_number(token)]))
    strings: set[str] = set()
    numbers: set[NumberKey] = set()
    while (item := take(tokens)).kind is not Kind.END_ARRAY:
        if item.kind is Kind.STRING:
            strings.add(item.text)
        elif item.kind.is_number:
            numbers.add(_number(item))
        else:
            barf("Inside anything but list, start|null|boolean is not supported.")
    if bool(strings) == bool(numbers):
        barf(
            "Inside anything but list, either all values are number or string, "
            "mixed type is not supported"
        )
    return AnythingBut(frozenset(strings), frozenset(numbers))


def _anything_but_set(tokens: Tokens, token: Token, kind: str) -> Condition:
    """anything-but with equals-ignore-case, prefix, suffix or wildcard: a string or a list."""
    texts: list[str] = []
    if token.kind is Kind.START_ARRAY:
        while (item := take(tokens)).kind is not Kind.END_ARRAY:
            texts.append(_set_member(item, kind))
    else:
        texts.append(_set_member(token, kind))
    if kind == "equals-ignore-case":
        return AnythingButIgnoreCase(frozenset(fold(text) for text in texts))
    if kind == "prefix":
        return AnythingButPrefix(frozenset(texts))
    if kind == "suffix":
        return AnythingButSuffix(frozenset(texts))
    patterns = dict.fromkeys(Wildcard.of(parse_wildcard(text)) for text in texts)
    return AnythingButWildcard(tuple(patterns))


def _set_member(token: Token, kind: str) -> str:
    if token.kind is not Kind.STRING:
        if kind == "equals-ignore-case":
            barf(EIC_LIST)
        if kind == "wildcard":
            barf("wildcard match pattern must be a string")
        barf("prefix/suffix match pattern must be a string")
    if kind in ("prefix", "suffix") and token.text == "":
        barf("Null prefix/suffix not allowed")
    return token.text


_READERS: dict[str, Callable[[Tokens], Condition]] = {
    "exactly": _exactly,
    "prefix": _prefix,
    "suffix": _suffix,
    "numeric": _numeric,
    "anything-but": _anything_but,
    "exists": _exists,
    "cidr": _cidr,
    "equals-ignore-case": _equals_ignore_case,
    "wildcard": _wildcard,
}
