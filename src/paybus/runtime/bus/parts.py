"""The bus's services together: publishing, management, archives and replays over one store."""

from __future__ import annotations

from dataclasses import dataclass

from paybus.runtime.bus.admin import BusAdmin
from paybus.runtime.bus.archives import Archives
from paybus.runtime.bus.destinations import Destinations
from paybus.runtime.bus.replays import Replays
from paybus.runtime.bus.service import BusService
from paybus.store.store import Store


@dataclass(frozen=True)
class BusParts:
    bus: BusService
    admin: BusAdmin
    archives: Archives
    replays: Replays
    destinations: Destinations

    @classmethod
    def over(cls, bus: BusService, replay_poll_seconds: float = 1.0) -> BusParts:
        archives = Archives(bus)
        return cls(
            bus,
            BusAdmin(bus),
            archives,
            Replays(archives, replay_poll_seconds),
            Destinations(bus),
        )

    @classmethod
    def build(cls, store: Store, *, region: str, account: str) -> BusParts:
        return cls.over(BusService(store, region=region, account=account))
