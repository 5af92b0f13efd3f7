"""Batch requests (SendMessageBatch, DeleteMessageBatch, ...): SQS's rules for the entry list."""

from __future__ import annotations

import re
from collections.abc import Sequence

from paybus.core.errors import (
    BatchEntryIdsNotDistinct,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    TooManyEntriesInBatchRequest,
)

MAX_BATCH_ENTRIES = 10
_ENTRY_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def check_batch_ids(ids: Sequence[str]) -> None:
    """Raise the error SQS gives a malformed batch as a whole, naming the entry at fault."""
    if not ids:
        raise EmptyBatchRequest("There should be at least one entry in the request.")
    if len(ids) > MAX_BATCH_ENTRIES:
        raise TooManyEntriesInBatchRequest(
            f"Maximum number of entries per request are {MAX_BATCH_ENTRIES}. You have sent "
            f"{len(ids)}."
        )
    seen: set[str] = set()
    for entry_id in ids:
        if not isinstance(entry_id, str) or not _ENTRY_ID.match(entry_id):
            raise InvalidBatchEntryId(
                f"A batch entry id can only contain alphanumeric characters, hyphens and "
                f"underscores. It can be at most 80 letters long (got {entry_id!r})."
            )
        if entry_id in seen:
            raise BatchEntryIdsNotDistinct(f"Id {entry_id} repeated.")
        seen.add(entry_id)
