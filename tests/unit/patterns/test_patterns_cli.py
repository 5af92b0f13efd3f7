"""`paybus events test-pattern`: true/false on stdout, AWS's message and exit 2 when invalid."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from paybus.cli.events_patterns import app

EVENT = {
    "id": "1",
    "source": "aws.partner/stripe.com/ed_123",
    "detail-type": "invoice.paid",
    "account": "111122223333",
    "region": "us-west-2",
    "time": "2024-03-07T18:27:56Z",
    "resources": [],
    "detail": {"data": {"object": {"amount_paid": 4900, "currency": "usd"}}},
}
PATTERN = {
    "detail-type": ["invoice.paid"],
    "detail": {"data": {"object": {"amount_paid": [{"numeric": [">", 1000]}]}}},
}

runner = CliRunner()


def run(event: str, pattern: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(
        app, ["test-pattern", "--event", event, "--pattern", pattern], input=stdin
    )
    return result.exit_code, result.stdout, result.stderr


def test_inline_json_that_matches_prints_true() -> None:
    assert run(json.dumps(EVENT), json.dumps(PATTERN)) == (0, "true\n", "")


def test_a_pattern_that_does_not_match_prints_false() -> None:
    pattern = {"detail-type": ["invoice.payment_failed"]}
    assert run(json.dumps(EVENT), json.dumps(pattern)) == (0, "false\n", "")


def test_files_are_read(tmp_path: Path) -> None:
    event_file, pattern_file = tmp_path / "event.json", tmp_path / "pattern.json"
    event_file.write_text(json.dumps(EVENT))
    pattern_file.write_text(json.dumps(PATTERN))
    assert run(str(event_file), str(pattern_file)) == (0, "true\n", "")


def test_json5_with_comments_and_trailing_commas(tmp_path: Path) -> None:
    pattern_file = tmp_path / "pattern.json5"
    pattern_file.write_text("{\n  // paid invoices only\n  'detail-type': ['invoice.paid',],\n}\n")
    assert run(json.dumps(EVENT), str(pattern_file)) == (0, "true\n", "")


def test_stdin_is_read_for_a_dash() -> None:
    assert run("-", json.dumps(PATTERN), stdin=json.dumps(EVENT)) == (0, "true\n", "")


def test_an_invalid_pattern_prints_aws_message_and_exits_2() -> None:
    code, out, err = run(json.dumps(EVENT), '{"detail-type": []}')
    assert (code, out) == (2, "")
    assert err == "Event pattern is not valid. Reason: Empty arrays are not allowed\n"


def test_a_repeated_key_in_strict_json_keeps_its_last_value() -> None:
    pattern = '{"detail-type": ["nope"], "detail-type": ["invoice.paid"]}'
    assert run(json.dumps(EVENT), pattern) == (0, "true\n", "")


def test_bad_json_names_the_argument() -> None:
    code, out, err = run('{"id": ', json.dumps(PATTERN))
    assert (code, out) == (2, "")
    assert err.startswith("paybus: error: --event is not valid JSON or JSON5")
    code, _, err = run(json.dumps(EVENT), "not a pattern")
    assert code == 2
    assert err.startswith("paybus: error: --pattern is not valid JSON or JSON5")
    assert "Unrecognized token 'not'" in err  # AWS's own parser message


def test_a_missing_file_is_reported_as_such() -> None:
    code, _, err = run("no-such-event.json", json.dumps(PATTERN))
    assert code == 2
    assert "--event" in err and "no such file" in err


def test_an_event_that_is_not_an_object_is_rejected() -> None:
    code, _, err = run("[1, 2]", json.dumps(PATTERN))
    assert code == 2
    assert "Parameter Event is not valid." in err
