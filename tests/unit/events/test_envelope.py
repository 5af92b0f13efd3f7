"""PutEvents entries: validated, sized and filled as EventBridge does."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from paybus.core.errors import ValidationError
from paybus.core.events.envelope import (
    EntryError,
    Envelope,
    accept_entry,
    check_request,
    entry_size,
)

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


def accept(entry: dict[str, object]) -> Envelope | EntryError:
    return accept_entry(entry, event_id="e-1", now=NOW, account="123456789012", region="eu-west-1")


def test_envelope_is_filled_as_aws_fills_it() -> None:
    envelope = accept(
        {
            "Source": "app.billing",
            "DetailType": "invoice.paid",
            "Detail": '{"amount": 4200}',
            "Resources": ["arn:aws:x"],
        }
    )
    assert isinstance(envelope, Envelope)
    assert envelope.as_dict() == {
        "version": "0",
        "id": "e-1",
        "detail-type": "invoice.paid",
        "source": "app.billing",
        "account": "123456789012",
        "time": "2026-11-22T12:00:00Z",
        "region": "eu-west-1",
        "resources": ["arn:aws:x"],
        "detail": {"amount": 4200},
    }


def test_producer_time_is_kept() -> None:
    envelope = accept(
        {"Source": "s", "DetailType": "t", "Detail": "{}", "Time": "2026-01-02T03:04:05Z"}
    )
    assert isinstance(envelope, Envelope)
    assert envelope.as_dict()["time"] == "2026-01-02T03:04:05Z"


@pytest.mark.parametrize(
    ("entry", "code", "message"),
    [
        (
            {},
            "InvalidArgument",
            "Parameter Source is not valid. Reason: Source is a required argument.",
        ),
        (
            {"Source": "s"},
            "InvalidArgument",
            "Parameter DetailType is not valid. Reason: DetailType is a required argument.",
        ),
        (
            {"Source": "s", "DetailType": "t"},
            "InvalidArgument",
            "Parameter Detail is not valid. Reason: Detail is a required argument.",
        ),
        (
            {"Source": "s", "DetailType": "t", "Detail": "[1, 2]"},
            "MalformedDetail",
            "Detail is malformed.",
        ),
        (
            {"Source": "s", "DetailType": "t", "Detail": "{bad"},
            "MalformedDetail",
            "Detail is malformed.",
        ),
        (
            {"Source": "s", "DetailType": "t", "Detail": '{"n": 9223372036854775808}'},
            "MalformedDetail",
            "Detail is malformed.",
        ),
        (
            {"Source": "s", "DetailType": "x" * 129, "Detail": "{}"},
            "InvalidArgument",
            "Parameter DetailType is not valid. Reason: DetailType is longer than 128 characters.",
        ),
    ],
)
def test_bad_entries_fail_alone_with_aws_messages(
    entry: dict[str, object], code: str, message: str
) -> None:
    assert accept(entry) == EntryError(code, message)


def test_size_counts_what_aws_counts() -> None:
    entry = {
        "Source": "é",
        "DetailType": "ab",
        "Detail": "{}",
        "Time": "x",
        "Resources": ["r1"],
        "EventBusName": "not counted",
    }
    assert entry_size(entry) == 14 + 2 + 2 + 2 + 2


def test_request_limits() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        check_request([])
    with pytest.raises(ValidationError, match="less than or equal to 10"):
        check_request([{}] * 11)
    big = {"Source": "s", "DetailType": "t", "Detail": json.dumps({"x": "y" * 256 * 1024})}
    with pytest.raises(ValidationError, match="over the limit"):
        check_request([big])
    check_request([big], max_bytes=1024 * 1024)  # the 1 MB setting


def test_format_time_is_utc_to_the_second_whatever_came_before() -> None:
    from datetime import timedelta, timezone

    from paybus.core.events.envelope import format_time

    base = datetime(2026, 11, 22, 17, 38, 32, 900_000, tzinfo=UTC)
    assert format_time(base) == "2026-11-22T17:38:32Z"
    assert format_time(base.replace(microsecond=1)) == "2026-11-22T17:38:32Z"
    assert format_time(base + timedelta(milliseconds=100)) == "2026-11-22T17:38:33Z"
    paris = base.astimezone(timezone(timedelta(hours=1)))
    assert format_time(paris) == "2026-11-22T17:38:32Z"
    assert format_time(datetime(1969, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC)) == (
        "1969-12-31T23:59:59Z"
    )
