"""What differs between the engines' SQL, as data the units read instead of branching on names."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    #: appended to a SELECT that claims rows; SQLite's single writer makes a plain SELECT enough
    for_update: str
    for_update_skip_locked: str
    #: a statement taken at the start of a migration unit so concurrent starters wait their turn
    migration_lock: str


SQLITE = Dialect(
    name="sqlite",
    for_update="",
    for_update_skip_locked="",
    migration_lock="",
)

POSTGRES = Dialect(
    name="postgresql",
    for_update=" FOR UPDATE",
    for_update_skip_locked=" FOR UPDATE SKIP LOCKED",
    migration_lock="SELECT pg_advisory_xact_lock(7306238475612)",
)
