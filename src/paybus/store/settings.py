"""Where the store lives and how it behaves, parsed from a URL such as `sqlite:///paybus.db`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from paybus.core.errors import ConfigError

Synchronous = Literal["NORMAL", "FULL"]

URL_HELP = "expected sqlite:///PATH (e.g. sqlite:///paybus.db) or postgresql://USER@HOST:PORT/DB"


@dataclass(frozen=True, slots=True)
class StoreSettings:
    url: str
    engine: Literal["sqlite", "postgresql"]
    #: SQLite: the database file; PostgreSQL: unused
    path: Path | None = None
    #: PostgreSQL: the libpq connection string; SQLite: unused
    dsn: str | None = None
    synchronous: Synchronous = "NORMAL"
    busy_timeout_ms: int = 10_000
    max_batch: int = 512
    readers: int = 4
    pool_min: int = 2
    pool_max: int = 10
    #: PostgreSQL: NOTIFY other processes of new work and LISTEN for theirs (`store/wakes.py`);
    #: off behind a pooler that gives no sessions (PgBouncer's transaction mode): polling only
    wake_hints: bool = True

    @property
    def display_url(self) -> str:
        """The URL with any password masked, for logs and errors."""
        parts = urlsplit(self.url)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
            return parts._replace(netloc=netloc).geturl()
        return self.url


def parse_store_url(url: str, *, synchronous: str | None = None) -> StoreSettings:
    """Parse a store URL; `?synchronous=FULL` (SQLite), `?pool_max=N` (PostgreSQL) and
    `?wake_hints=off` (both) are read."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        return _sqlite_settings(url, parts.netloc, parts.path, query, synchronous)
    if parts.scheme in ("postgresql", "postgres"):
        return _postgres_settings(url, query)
    raise ConfigError(f"invalid store URL {url!r}: {URL_HELP}")


def _sqlite_settings(
    url: str, netloc: str, path: str, query: dict[str, str], synchronous: str | None
) -> StoreSettings:
    if netloc or not path or path == "/":
        raise ConfigError(f"invalid store URL {url!r}: {URL_HELP}")
    # sqlite:///relative.db -> "relative.db"; sqlite:////abs/path.db -> "/abs/path.db"
    file = Path(path[1:])
    mode = (synchronous or query.pop("synchronous", "NORMAL")).upper()
    if mode not in ("NORMAL", "FULL"):
        raise ConfigError(
            f"invalid synchronous mode {mode!r} in store URL: expected NORMAL or FULL"
        )
    _reject_unknown(url, query, {"busy_timeout_ms", "readers", "wake_hints"})
    return StoreSettings(
        url=url,
        engine="sqlite",
        path=file,
        synchronous=mode,  # type: ignore[arg-type]
        busy_timeout_ms=_int_option(url, query, "busy_timeout_ms", 10_000),
        readers=_int_option(url, query, "readers", 4),
        wake_hints=_switch(url, query, "wake_hints", True),
    )


def _postgres_settings(url: str, query: dict[str, str]) -> StoreSettings:
    pool_min = _int_option(url, query, "pool_min", 2)
    pool_max = _int_option(url, query, "pool_max", 10)
    # everything else in the query (sslmode, application_name, ...) is libpq's
    parts = urlsplit(url)
    wake_hints = _switch(url, query, "wake_hints", True)
    ours = ("pool_min", "pool_max", "wake_hints")
    libpq = urlencode({k: v for k, v in query.items() if k not in ours})
    dsn = parts._replace(scheme="postgresql", query=libpq).geturl()
    if not parts.hostname and "host=" not in libpq:
        raise ConfigError(f"invalid store URL {url!r}: no host; {URL_HELP}")
    return StoreSettings(
        url=url,
        engine="postgresql",
        dsn=dsn,
        pool_min=pool_min,
        pool_max=pool_max,
        wake_hints=wake_hints,
    )


def _int_option(url: str, query: dict[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(
            f"invalid store URL {url!r}: {name} must be an integer, got {raw!r}"
        ) from None
    if value < 1:
        raise ConfigError(f"invalid store URL {url!r}: {name} must be at least 1, got {value}")
    return value


def _switch(url: str, query: dict[str, str], name: str, default: bool) -> bool:
    raw = query.get(name)
    if raw is None:
        return default
    value = _SWITCHES.get(raw.lower())
    if value is None:
        raise ConfigError(f"invalid store URL {url!r}: {name} must be on or off, got {raw!r}")
    return value


_SWITCHES = {"on": True, "off": False, "true": True, "false": False, "1": True, "0": False}


def _reject_unknown(url: str, query: dict[str, str], known: set[str]) -> None:
    unknown = sorted(set(query) - known)
    if unknown:
        raise ConfigError(f"invalid store URL {url!r}: unknown option {unknown[0]!r}")
