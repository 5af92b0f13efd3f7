"""PutEvents entries and the event envelope, as EventBridge validates, sizes and fills them.

Pure: the caller supplies the event id, the current time, the account and the region.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from paybus.core.errors import ValidationError

MAX_ENTRIES = 10
#: AWS's documented limit; 1 MB was announced in 2025, so it is a setting (`max_entry_bytes`)
DEFAULT_MAX_REQUEST_BYTES = 256 * 1024
MAX_DETAIL_TYPE = 128
MAX_RESOURCE_ARN = 2048
_INT64 = (-(2**63), 2**63 - 1)
_MAX_DEPTH = 1000


@dataclass(frozen=True, slots=True)
class EntryError:
    """One entry's failure in a PutEvents response; the other entries are still processed."""

    code: str
    message: str

    def as_aws(self) -> dict[str, str]:
        return {"ErrorCode": self.code, "ErrorMessage": self.message}


@dataclass(frozen=True, slots=True)
class Envelope:
    """An accepted event: the envelope rules match against and targets receive."""

    id: str
    source: str
    detail_type: str
    time: datetime
    account: str
    region: str
    resources: tuple[str, ...]
    detail: Mapping[str, Any]
    replay_name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        event: dict[str, Any] = {
            "version": "0",
            "id": self.id,
            "detail-type": self.detail_type,
            "source": self.source,
            "account": self.account,
            "time": format_time(self.time),
            "region": self.region,
            "resources": list(self.resources),
            "detail": self.detail,
        }
        if self.replay_name is not None:
            event["replay-name"] = self.replay_name
        return event

    def to_json(self) -> bytes:
        return orjson.dumps(self.as_dict())


def format_time(moment: datetime) -> str:
    """`2026-11-22T17:38:32Z`. Events made in the same second share the text, so the last one
    is kept (formatting costs more than the rest of a small event's envelope)."""
    global _last_formatted
    second = math.floor(moment.timestamp())
    last = _last_formatted  # one read: another thread may replace it meanwhile
    if second == last[0]:
        return last[1]
    utc = moment if moment.tzinfo is UTC else moment.astimezone(UTC)
    text = utc.isoformat(timespec="seconds")[:19] + "Z"
    _last_formatted = (second, text)
    return text


_last_formatted: tuple[int | None, str] = (None, "")


def entry_size(entry: Mapping[str, Any]) -> int:
    """Bytes an entry counts against the request limit, as AWS counts them."""
    size = 14 if entry.get("Time") is not None else 0
    for field in ("Source", "DetailType", "Detail"):
        value = entry.get(field)
        if isinstance(value, str):
            size += len(value.encode())
    for resource in entry.get("Resources") or []:
        if isinstance(resource, str):
            size += len(resource.encode())
    return size


def check_request(entries: Sequence[Any], max_bytes: int = DEFAULT_MAX_REQUEST_BYTES) -> None:
    """Whole-request limits: raise for the request; per-entry problems are `EntryError`s."""
    if not entries:
        raise ValidationError(
            "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: "
            "Member must have length greater than or equal to 1"
        )
    if len(entries) > MAX_ENTRIES:
        raise ValidationError(
            f"1 validation error detected: Value '[...{len(entries)} entries]' at 'entries' "
            "failed to satisfy constraint: Member must have length less than or equal to 10"
        )
    total = sum(entry_size(e) for e in entries if isinstance(e, Mapping))
    if total >= max_bytes:
        raise ValidationError(
            f"Total size of the entries in the request is over the limit: {total} bytes, "
            f"the limit is {max_bytes} bytes"
        )


def accept_entry(
    entry: Mapping[str, Any], *, event_id: str, now: datetime, account: str, region: str
) -> Envelope | EntryError:
    """Validate one PutEvents entry and fill its envelope, or say what is wrong with it."""
    source, detail_type, raw = entry.get("Source"), entry.get("DetailType"), entry.get("Detail")
    if not isinstance(source, str) or not source:
        return _required("Source")
    if not isinstance(detail_type, str) or not detail_type:
        return _required("DetailType")
    if not isinstance(raw, str) or not raw:
        return _required("Detail")
    if len(detail_type) > MAX_DETAIL_TYPE:
        return EntryError(
            "InvalidArgument",
            f"Parameter DetailType is not valid. Reason: DetailType is longer than "
            f"{MAX_DETAIL_TYPE} characters.",
        )
    detail = _parse_detail(raw)
    if detail is None:
        return EntryError("MalformedDetail", "Detail is malformed.")
    resources = entry.get("Resources") or []
    if not isinstance(resources, list) or not all(
        isinstance(r, str) and len(r) <= MAX_RESOURCE_ARN for r in resources
    ):
        return EntryError("InvalidArgument", "Parameter Resources is not valid.")
    when = _event_time(entry.get("Time"), now)
    if when is None:
        return EntryError("InvalidArgument", "Parameter Time is not valid.")
    return Envelope(event_id, source, detail_type, when, account, region, tuple(resources), detail)


def _required(name: str) -> EntryError:
    return EntryError(
        "InvalidArgument", f"Parameter {name} is not valid. Reason: {name} is a required argument."
    )


def _parse_detail(raw: str) -> dict[str, Any] | None:
    try:
        detail = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(detail, dict) or not _within_limits(detail, 0):
        return None
    return detail


def _within_limits(value: Any, depth: int) -> bool:
    """Integers fit int64 and nesting stays under 1,000 levels, as EventBridge requires."""
    if depth > _MAX_DEPTH:
        return False
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return _INT64[0] <= value <= _INT64[1]
    if isinstance(value, dict):
        return all(_within_limits(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return all(_within_limits(v, depth + 1) for v in value)
    return True


def _event_time(raw: Any, now: datetime) -> datetime | None:
    if raw is None:
        return now
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return datetime.fromtimestamp(raw, UTC)  # boto3 sends datetimes as epoch seconds
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None
