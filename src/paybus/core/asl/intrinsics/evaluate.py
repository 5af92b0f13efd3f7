"""Evaluate a parsed intrinsic call: the 18 `States.*` functions, with AWS's argument rules.

Randomness (`States.UUID`, unseeded `States.MathRandom`) comes from an injected `Entropy`, so the
interpreter stays deterministic. Any misuse raises `States.IntrinsicFailure`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Callable
from typing import Any, Protocol

from paybus.core.asl.errors import INTRINSIC_FAILURE, StatesError
from paybus.core.asl.intrinsics.parser import (
    IntrinsicCall,
    Literal,
    PathArgument,
    parse_intrinsic,
)
from paybus.core.asl.jsonpath import JsonPath

MAX_STRING = 10_000
MAX_RANGE = 1_000
INT_MIN, INT_MAX = -2_147_483_648, 2_147_483_647
HASH_ALGORITHMS = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}


class Entropy(Protocol):
    """Where unseeded randomness comes from (the interpreter derives it from the execution seed)."""

    def uuid4(self) -> str: ...

    def random(self) -> float: ...


Resolver = Callable[[JsonPath], Any]


def is_intrinsic(text: str) -> bool:
    return text.startswith("States.")


def evaluate_intrinsic(text: str | IntrinsicCall, resolve: Resolver, entropy: Entropy) -> Any:
    call = parse_intrinsic(text) if isinstance(text, str) else text
    return _call(call, resolve, entropy)


def _call(call: IntrinsicCall, resolve: Resolver, entropy: Entropy) -> Any:
    args: list[Any] = []
    for argument in call.arguments:
        if isinstance(argument, Literal):
            value = argument.value
            if isinstance(value, str) and call.name != "States.Format":
                value = _unescape_braces(value)
            args.append(value)
        elif isinstance(argument, PathArgument):
            args.append(resolve(argument.path))
        else:
            args.append(_call(argument, resolve, entropy))
    function = _FUNCTIONS[call.name]
    return function(call.name, args, entropy)


def _unescape_braces(value: str) -> str:
    return value.replace("\\{", "{").replace("\\}", "}")


def _fail(name: str, reason: str) -> StatesError:
    return StatesError(INTRINSIC_FAILURE, f"Invalid arguments in {name}: {reason}")


def _arity(name: str, args: list[Any], *counts: int) -> None:
    if len(args) not in counts:
        expected = " or ".join(str(c) for c in counts)
        raise _fail(name, f"expected {expected} argument(s) but got {len(args)}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _to_int(name: str, value: Any) -> int:
    if not _is_number(value):
        raise _fail(name, f"expected a number but got {json.dumps(value)}")
    rounded: int = math.floor(value + 0.5)
    return rounded


def _string(name: str, value: Any, limit: int | None = None) -> str:
    if not isinstance(value, str):
        raise _fail(name, f"expected a string but got {json.dumps(value)}")
    if limit is not None and len(value) > limit:
        raise _fail(name, f"the string is longer than {limit} characters")
    return value


def _array(name: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(name, f"expected an array but got {json.dumps(value)}")
    return value


def render_for_format(value: Any) -> str:
    """How States.Format prints a value (objects as `{k=v}`, as AWS does)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(render_for_format(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={render_for_format(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def _format(name: str, args: list[Any], entropy: Entropy) -> str:
    if not args:
        raise _fail(name, "expected at least 1 argument")
    template = _string(name, args[0])
    values = args[1:]
    pieces = re.split(r"(\\\{|\\\}|\{\})", template)
    out: list[str] = []
    used = 0
    for piece in pieces:
        if piece == "{}":
            if used >= len(values):
                raise _fail(name, "the number of arguments does not match the number of '{}'")
            out.append(render_for_format(values[used]))
            used += 1
        elif piece in ("\\{", "\\}"):
            out.append(piece[1])
        else:
            out.append(piece)
    if used != len(values):
        raise _fail(name, "the number of arguments does not match the number of '{}'")
    return "".join(out)


def _string_to_json(name: str, args: list[Any], entropy: Entropy) -> Any:
    _arity(name, args, 1)
    text = _string(name, args[0])
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise _fail(name, f"the string is not valid JSON: {text}") from None


def _json_to_string(name: str, args: list[Any], entropy: Entropy) -> str:
    _arity(name, args, 1)
    return json.dumps(args[0], separators=(",", ":"), ensure_ascii=False)


def _array_function(name: str, args: list[Any], entropy: Entropy) -> list[Any]:
    return list(args)


def _array_partition(name: str, args: list[Any], entropy: Entropy) -> list[Any]:
    _arity(name, args, 2)
    items = _array(name, args[0])
    size = _to_int(name, args[1])
    if size <= 0:
        raise _fail(name, "the chunk size must be a positive non-zero integer")
    return [items[i : i + size] for i in range(0, len(items), size)]


def _array_contains(name: str, args: list[Any], entropy: Entropy) -> bool:
    _arity(name, args, 2)
    return any(_json_equal(item, args[1]) for item in _array(name, args[0]))


def _json_equal(left: Any, right: Any) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return bool(left == right)


def _array_range(name: str, args: list[Any], entropy: Entropy) -> list[int]:
    _arity(name, args, 3)
    start, end, step = (_to_int(name, a) for a in args)
    if step == 0:
        raise _fail(name, "the step must not be 0")
    values = list(range(start, end + (1 if step > 0 else -1), step))
    if len(values) > MAX_RANGE:
        raise _fail(name, f"the range has more than {MAX_RANGE} elements")
    return values


def _array_get_item(name: str, args: list[Any], entropy: Entropy) -> Any:
    _arity(name, args, 2)
    items = _array(name, args[0])
    index = _to_int(name, args[1])
    if not 0 <= index < len(items):
        raise _fail(name, f"index {index} is out of bounds for an array of {len(items)}")
    return items[index]


def _array_length(name: str, args: list[Any], entropy: Entropy) -> int:
    _arity(name, args, 1)
    return len(_array(name, args[0]))


def _array_unique(name: str, args: list[Any], entropy: Entropy) -> list[Any]:
    _arity(name, args, 1)
    unique: list[Any] = []
    for item in _array(name, args[0]):
        if not any(_json_equal(item, seen) for seen in unique):
            unique.append(item)
    return unique


def _base64_encode(name: str, args: list[Any], entropy: Entropy) -> str:
    _arity(name, args, 1)
    data = _string(name, args[0], MAX_STRING)
    return base64.b64encode(data.encode("utf-8")).decode("ascii")


def _base64_decode(name: str, args: list[Any], entropy: Entropy) -> str:
    _arity(name, args, 1)
    data = _string(name, args[0], MAX_STRING)
    try:
        return base64.b64decode(data, validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _fail(name, "the string is not valid Base64") from None


def _hash(name: str, args: list[Any], entropy: Entropy) -> str:
    _arity(name, args, 2)
    data = _string(name, args[0], MAX_STRING)
    algorithm = _string(name, args[1])
    if algorithm not in HASH_ALGORITHMS:
        supported = ", ".join(HASH_ALGORITHMS)
        raise _fail(name, f"unsupported algorithm {algorithm}; use one of {supported}")
    return hashlib.new(HASH_ALGORITHMS[algorithm], data.encode("utf-8")).hexdigest()


def _json_merge(name: str, args: list[Any], entropy: Entropy) -> dict[str, Any]:
    _arity(name, args, 3)
    left, right, deep = args
    if not isinstance(left, dict) or not isinstance(right, dict):
        raise _fail(name, "the first two arguments must be JSON objects")
    if deep is not False:
        raise _fail(name, "deep merging is not supported: the third argument must be false")
    return {**left, **right}


def _math_random(name: str, args: list[Any], entropy: Entropy) -> int:
    _arity(name, args, 2, 3)
    start, end = _to_int(name, args[0]), _to_int(name, args[1])
    if end <= start:
        raise _fail(name, "the end must be greater than the start")
    if len(args) == 3:
        return start + int(seeded_fraction(_to_int(name, args[2])) * (end - start))
    return start + int(entropy.random() * (end - start))


def seeded_fraction(seed: object) -> float:
    """A number in [0, 1) fixed by `seed` (pure: no global random state)."""
    digest = hashlib.sha256(f"MathRandom:{seed}".encode()).digest()
    return int.from_bytes(digest[:7], "big") / float(1 << 56)


def _math_add(name: str, args: list[Any], entropy: Entropy) -> int:
    _arity(name, args, 2)
    left, right = _to_int(name, args[0]), _to_int(name, args[1])
    for value in (left, right):
        if not INT_MIN <= value <= INT_MAX:
            raise _fail(name, f"{value} is outside the 32-bit integer range")
    return left + right


def _string_split(name: str, args: list[Any], entropy: Entropy) -> list[str]:
    _arity(name, args, 2)
    text, delimiters = _string(name, args[0]), _string(name, args[1])
    if not delimiters:
        return [text]
    parts = re.split("[" + re.escape(delimiters) + "]", text)
    return [part for part in parts if part]


def _uuid(name: str, args: list[Any], entropy: Entropy) -> str:
    _arity(name, args, 0)
    return entropy.uuid4()


_FUNCTIONS: dict[str, Callable[[str, list[Any], Entropy], Any]] = {
    "States.Format": _format,
    "States.StringToJson": _string_to_json,
    "States.JsonToString": _json_to_string,
    "States.Array": _array_function,
    "States.ArrayPartition": _array_partition,
    "States.ArrayContains": _array_contains,
    "States.ArrayRange": _array_range,
    "States.ArrayGetItem": _array_get_item,
    "States.ArrayLength": _array_length,
    "States.ArrayUnique": _array_unique,
    "States.Base64Encode": _base64_encode,
    "States.Base64Decode": _base64_decode,
    "States.Hash": _hash,
    "States.JsonMerge": _json_merge,
    "States.MathRandom": _math_random,
    "States.MathAdd": _math_add,
    "States.StringSplit": _string_split,
    "States.UUID": _uuid,
}
