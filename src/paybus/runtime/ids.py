"""UUIDs for event and message ids, drawn from a pool of OS randomness.

`uuid.uuid4()` makes a system call per id, and each call releases the GIL: in a process whose
store writer is another thread, every release can hand the interpreter to that thread and wait
to get it back. Reading 4 KiB of OS randomness at a time keeps the ids exactly as random
(version-4 UUIDs from os.urandom) at one call per 256 ids.
"""

from __future__ import annotations

import os
import time

_POOL_IDS = 256


class _Pool:
    def __init__(self) -> None:
        self._bytes = b""
        self._offset = 0

    def next16(self) -> bytes:
        if self._offset >= len(self._bytes):
            self._bytes = os.urandom(16 * _POOL_IDS)
            self._offset = 0
        chunk = self._bytes[self._offset : self._offset + 16]
        self._offset += 16
        return chunk


_pool = _Pool()


def _text(value: int) -> str:
    """The canonical 8-4-4-4-12 form of a 128-bit value (`str(uuid.UUID(int=value))`, without
    building the object: ids are made on every hot path)."""
    h = value.to_bytes(16, "big").hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_uuid() -> str:
    """A version-4 UUID string, as `str(uuid.uuid4())` gives."""
    value = int.from_bytes(_pool.next16(), "big")
    # the RFC 4122 variant and version 4, set as `uuid.UUID(..., version=4)` sets them
    value = value & ~(0xC000 << 48) | 0x8000 << 48
    value = value & ~(0xF000 << 64) | 4 << 76
    return _text(value)


def new_event_id(now_ms: int | None = None) -> str:
    """A time-ordered UUID (version 7, RFC 9562): 48 bits of Unix milliseconds, then 74 random
    bits. Event ids lead the keys of the bus's ledger and delivery indexes; ids that grow with
    time append to those B-trees instead of dirtying a random page per event."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    rand = int.from_bytes(_pool.next16()[:10], "big")
    value = (
        (ms & 0xFFFF_FFFF_FFFF) << 80
        | 0x7 << 76
        | (rand >> 62 & 0xFFF) << 64
        | 0b10 << 62
        | rand & 0x3FFF_FFFF_FFFF_FFFF
    )
    return _text(value)


def new_hex() -> str:
    """32 random hex digits (128 bits from the pool), as `secrets.token_hex(16)` gives."""
    return _pool.next16().hex()
