"""JSONata-mode evaluation: `{% expr %}` strings, `$states`, variables and AWS's added functions.

Built on the pure-Python `jsonata-python` engine. `$now()`/`$millis()` read the time carried by
the incoming event and `$random()`/`$uuid()` the injected entropy, so evaluation stays pure.
`$eval` is unavailable, as on AWS.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jsonata import Jsonata  # type: ignore[import-untyped]
from jsonata.utils import Utils  # type: ignore[import-untyped]

from paybus.core.asl.errors import QUERY_EVALUATION_ERROR, StatesError
from paybus.core.asl.intrinsics.evaluate import HASH_ALGORITHMS, seeded_fraction
from paybus.core.asl.scope import EvaluationScope


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}")


class JsonataSyntaxError(ValueError):
    """An expression that does not parse."""


@lru_cache(maxsize=2048)
def compile_expression(body: str) -> Any:
    try:
        expression = Jsonata(body)
    except Exception as exc:
        raise JsonataSyntaxError(str(exc)) from None
    if expression.get_errors():
        raise JsonataSyntaxError(str(expression.get_errors()[0]))
    expression.set_output_convert_nulls(False)
    return expression


def check_syntax(text: str) -> None:
    """Raise `JsonataSyntaxError` if the `{% %}` string does not parse."""
    compile_expression(text[2:-2].strip())


def evaluate_expression(text: str, scope: EvaluationScope, field_name: str) -> Any:
    body = text[2:-2].strip()
    try:
        expression = compile_expression(body)
    except JsonataSyntaxError as exc:
        raise StatesError(QUERY_EVALUATION_ERROR, _cause(body, field_name, str(exc))) from None
    try:
        raw = expression.evaluate(None, _bindings(scope))
    except StatesError:
        raise
    except Exception as exc:
        raise StatesError(QUERY_EVALUATION_ERROR, _cause(body, field_name, str(exc))) from None
    if raw is None:
        raise StatesError(
            QUERY_EVALUATION_ERROR,
            f"The JSONata expression '{body}' specified for the field '{field_name}' "
            "returned nothing (undefined).",
        )
    return _plain(Utils.convert_nulls(raw))


def _cause(body: str, field_name: str, reason: str) -> str:
    return (
        f"The JSONata expression '{body}' specified for the field '{field_name}' threw an "
        f"error during evaluation. {reason}"
    )


def evaluate_value(value: Any, scope: EvaluationScope, field_name: str) -> Any:
    """Evaluate every `{% %}` string inside a JSON value (a whole field or nested)."""
    if is_expression(value):
        return evaluate_expression(value, scope, field_name)
    if isinstance(value, Mapping):
        return {k: evaluate_value(v, scope, field_name) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate_value(v, scope, field_name) for v in value]
    return value


def _plain(value: Any) -> Any:
    """Engine output to plain JSON data (sequences to lists, integral floats to ints)."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _bindings(scope: EvaluationScope) -> dict[str, Any]:
    states = {"input": scope.input, "context": scope.context}
    if scope.result is not None or "result" in scope.extra:
        states["result"] = scope.result
    if scope.error_output is not None:
        states["errorOutput"] = scope.error_output
    bindings: dict[str, Any] = dict(scope.variables)
    bindings["states"] = states
    bindings.update(_functions(scope))
    return bindings


def _functions(scope: EvaluationScope) -> dict[str, Any]:
    millis = int(scope.now.timestamp() * 1000)
    iso_now = scope.now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{scope.now.microsecond // 1000:03d}Z"

    def partition(array: Any, size: Any) -> Any:
        if not isinstance(array, list) or not isinstance(size, int | float) or size < 1:
            raise StatesError(QUERY_EVALUATION_ERROR, "$partition expects an array and size >= 1")
        step = int(size)
        return [array[i : i + step] for i in range(0, len(array), step)]

    def range_(start: Any, end: Any, step: Any) -> Any:
        if step == 0:
            raise StatesError(QUERY_EVALUATION_ERROR, "$range step must not be 0")
        values: list[Any] = []
        current = start
        while (step > 0 and current < end) or (step < 0 and current > end):
            values.append(current)
            current += step
        return values

    def hash_(data: Any, algorithm: Any = "SHA-256") -> Any:
        if not isinstance(data, str) or algorithm not in HASH_ALGORITHMS:
            raise StatesError(QUERY_EVALUATION_ERROR, f"$hash: unsupported algorithm {algorithm}")
        return hashlib.new(HASH_ALGORITHMS[algorithm], data.encode("utf-8")).hexdigest()

    def random_(seed: Any = None) -> float:
        if seed is not None:
            return seeded_fraction(seed)
        return scope.entropy.random()

    def parse(text: Any) -> Any:
        try:
            return json.loads(text)
        except (TypeError, ValueError):
            raise StatesError(QUERY_EVALUATION_ERROR, f"$parse: not JSON: {text}") from None

    def unavailable(*_: Any) -> Any:
        raise StatesError(QUERY_EVALUATION_ERROR, "The function $eval is not supported")

    return {
        "partition": Jsonata.JLambda(partition),
        "range": Jsonata.JLambda(range_),
        "hash": Jsonata.JLambda(hash_),
        "random": Jsonata.JLambda(random_),
        "uuid": Jsonata.JLambda(scope.entropy.uuid4),
        "parse": Jsonata.JLambda(parse),
        "eval": Jsonata.JLambda(unavailable),
        "now": Jsonata.JLambda(lambda *_: iso_now),
        "millis": Jsonata.JLambda(lambda *_: millis),
    }


def is_integral(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and float(value).is_integer()
    )
