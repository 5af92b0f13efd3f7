"""The event bus service: PutEvents through one compiled matcher per bus, deliveries written in
the event's own transaction, and the dispatcher that works off remote deliveries."""

from paybus.runtime.bus.service import BusService

__all__ = ["BusService"]
