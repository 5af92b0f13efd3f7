"""Receipt handles: which receive of which message a handle stands for.

A handle names the queue, the message's row and its receive count. Every receive increments the
count, so each receive has a fresh handle, and a handle from an earlier receive is recognisably
old: SQS answers such a delete with success without deleting, which this makes exact.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from paybus.core.errors import ReceiptHandleIsInvalid

_PREFIX = "pb1"


@dataclass(frozen=True, slots=True)
class Receipt:
    queue: str
    row: int
    receive_count: int

    def encode(self) -> str:
        raw = f"{_PREFIX}\x00{self.queue}\x00{self.row}\x00{self.receive_count}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_receipt(handle: str, queue: str) -> Receipt:
    """The receipt a handle stands for; ReceiptHandleIsInvalid if malformed or of another queue."""
    try:
        padded = handle + "=" * (-len(handle) % 4)
        prefix, name, row, count = base64.urlsafe_b64decode(padded).decode().split("\x00")
        receipt = Receipt(name, int(row), int(count))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ReceiptHandleIsInvalid(
            f'The input receipt handle "{handle}" is not a valid receipt handle.'
        ) from None
    if prefix != _PREFIX or name != queue:
        raise ReceiptHandleIsInvalid(
            f'The input receipt handle "{handle}" is not a valid receipt handle for queue '
            f"{queue!r}."
        )
    return receipt
