"""`paybus events test-pattern`: does an event match an EventBridge pattern, as AWS would say?

Each argument is a file path, `-` for standard input, or the JSON itself; JSON5 (comments,
trailing commas, single quotes) is accepted. Prints `true` or `false`. An invalid pattern prints
AWS's own message (`Event pattern is not valid. Reason: ...`) on stderr and exits 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import json5
import orjson
import typer

from paybus.cli.errors import fail
from paybus.core.errors import InvalidEventPattern, ValidationError
from paybus.core.events.patterns import compile_pattern, test_event_pattern

app = typer.Typer(help="EventBridge event patterns.", no_args_is_help=True)

USAGE_ERROR = 2


@app.callback()
def events() -> None:
    """Events and event patterns."""


@app.command("test-pattern")
def test_pattern(
    event: Annotated[
        str, typer.Option("--event", help="The event: a file, '-' for stdin, or JSON text.")
    ],
    pattern: Annotated[
        str, typer.Option("--pattern", help="The pattern: a file, '-' for stdin, or JSON text.")
    ],
) -> None:
    """Print `true` if the event matches the pattern, `false` if not (TestEventPattern)."""
    if event == "-" and pattern == "-":
        fail("only one of --event and --pattern can be read from stdin", USAGE_ERROR)
    event_value = _parse("--event", read_argument("--event", event))
    pattern_text = read_argument("--pattern", pattern)
    try:
        matched = test_event_pattern(event_value, pattern_input(pattern_text))
    except InvalidEventPattern as error:
        print(error.message, file=sys.stderr)
        raise typer.Exit(USAGE_ERROR) from None
    except ValidationError as error:
        fail(f"--event: {error.message} (it must be a JSON object)", USAGE_ERROR)
    typer.echo("true" if matched else "false")


test_pattern.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def read_argument(option: str, argument: str) -> str:
    """The text an argument stands for: stdin, a file's content, or the argument itself."""
    if argument == "-":
        return sys.stdin.read()
    stripped = argument.lstrip()
    if stripped[:1] in ("{", "[", '"') or not stripped:
        return argument
    path = Path(argument)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return argument  # not a file: maybe JSON after all (a number, true, ...)
    except (OSError, UnicodeDecodeError) as error:
        fail(f"{option}: cannot read {argument}: {error}", USAGE_ERROR)


def _parse(option: str, text: str) -> Any:
    """JSON, else JSON5; a clear error naming the option when it is neither."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        return json5.loads(text)
    except ValueError as error:
        hint = "" if text.lstrip()[:1] in ("{", "[") else " (and no such file)"
        fail(f"{option} is not valid JSON or JSON5{hint}: {error}", USAGE_ERROR)


def pattern_input(text: str) -> str | Any:
    """Strict JSON goes to the compiler as text, so AWS's rules apply to it exactly
    (a repeated key keeps its last value); JSON5 is parsed here first."""
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    else:
        return text
    try:
        return json5.loads(text)
    except ValueError:
        pass
    try:  # neither: AWS's parser says what is wrong and where
        compile_pattern(text)
    except InvalidEventPattern as error:
        fail(f"--pattern is not valid JSON or JSON5: {error.message}", USAGE_ERROR)
    return text
