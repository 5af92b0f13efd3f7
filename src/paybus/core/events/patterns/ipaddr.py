"""IP addresses and CIDR blocks the way event-ruler reads them.

A string counts as an IP address only if it looks like one (dotted quad, or hex digits and
colons); anything else is "nonstandard". A CIDR block covers the given address up to the last
address of its mask (event-ruler does not clear host bits). An exact pattern string that is an
IP address matches any spelling of the same address (`2001:db8::1` = `2001:0db8:0:0::1`).
"""

from __future__ import annotations

import ipaddress
import re

from paybus.core.errors import InvalidEventPattern

_IPV4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_IPV6 = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*")
_JAVA_INT = re.compile(r"[+-]?[0-9]+")
_INT_MAX = 2**31 - 1


def looks_like_ip(text: str) -> bool:
    return _IPV4.fullmatch(text) is not None or _IPV6.fullmatch(text) is not None


def ip_bytes(text: str) -> bytes:
    """The 4 or 16 address bytes; ValueError with event-ruler's message if not an address.

    IPv4-mapped IPv6 addresses become their IPv4 bytes, as Java's InetAddress does.
    """
    if _IPV4.fullmatch(text):
        try:
            return ipaddress.IPv4Address(text).packed
        except ValueError:
            raise ValueError(f"Invalid IP address: {text}") from None
    if _IPV6.fullmatch(text):
        try:
            address = ipaddress.IPv6Address(text)
        except ValueError:
            raise ValueError(f"Invalid IP address: {text}") from None
        mapped = address.ipv4_mapped
        return mapped.packed if mapped is not None else address.packed
    raise ValueError(f"Nonstandard IP address: {text}")


def ip_bytes_if_possible(text: str) -> bytes | None:
    if not looks_like_ip(text):
        return None
    try:
        return ip_bytes(text)
    except ValueError:
        return None


def cidr_block(text: str) -> tuple[bytes, bytes]:
    """(first, last) address bytes of a CIDR block; InvalidEventPattern on a malformed one."""
    parts = text.split("/")
    while parts and parts[-1] == "":  # Java's String.split drops trailing empty strings
        parts.pop()
    if len(parts) != 2:
        raise InvalidEventPattern("Malformed CIDR, one '/' required")
    if not _JAVA_INT.fullmatch(parts[1]) or abs(int(parts[1])) > _INT_MAX:
        raise InvalidEventPattern("Malformed CIDR, mask bits must be an integer")
    mask = int(parts[1])
    if mask < 0:
        raise InvalidEventPattern("Malformed CIDR, mask bits must not be negative")
    try:
        base = ip_bytes(parts[0])
    except ValueError as error:
        raise InvalidEventPattern(str(error)) from None
    if len(base) == 4 and mask > 31:
        raise InvalidEventPattern("IPv4 mask bits must be < 32")
    if len(base) == 16 and mask > 127:
        raise InvalidEventPattern("IPv6 mask bits must be < 128")
    host_bits = len(base) * 8 - mask
    last = int.from_bytes(base, "big") | ((1 << host_bits) - 1)
    return base, last.to_bytes(len(base), "big")
